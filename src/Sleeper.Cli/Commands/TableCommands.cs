using System.CommandLine;
using System.Text;
using System.Text.Json.Nodes;
using Sleeper.Cli.Output;
using Sleeper.Core;
using Sleeper.Core.Partitions;
using Sleeper.Core.Properties;
using Sleeper.Core.Schema;
using Sleeper.Core.Tables;
using Sleeper.Core.Text;

namespace Sleeper.Cli.Commands;

/// <summary>sleeper table create | list | delete | rename | offline | online | properties | estimate-splits | check.</summary>
public static class TableCommands
{
    public static Command Build(CliContext context)
    {
        var command = new Command("table", "Create, list, rename, delete tables, and change their properties");
        command.Subcommands.Add(Create(context));
        command.Subcommands.Add(List(context));
        command.Subcommands.Add(Delete(context));
        command.Subcommands.Add(Rename(context));
        command.Subcommands.Add(SetOnline(context, "offline", false));
        command.Subcommands.Add(SetOnline(context, "online", true));
        command.Subcommands.Add(Properties(context));
        command.Subcommands.Add(EstimateSplitsCommand.Build(context));
        command.Subcommands.Add(TableCheckCommand.Build(context));
        return command;
    }

    private static Argument<string> NameArgument() => new("NAME") { Description = "The table's name" };

    private static Command Create(CliContext context)
    {
        var name = NameArgument();
        var schema = new Option<string>("--schema") { Description = "A Sleeper schema JSON file", Required = true };
        var property = new Option<string[]>("--property") { Description = "A table property K=V (repeatable)" };
        var propertiesFile = new Option<string?>("--properties") { Description = "A table properties file" };
        var splitPoints = new Option<string?>("--split-points") { Description = "A file of split points, one per line, so the table starts with many partitions" };
        var command = new Command("create", "Create a table from a schema file") { name, schema, property, propertiesFile, splitPoints };
        command.SetAction(async (result, cancel) =>
        {
            await using var instance = await context.OpenInstanceAsync(result, cancel);
            var tableName = result.GetValue(name)!;
            var schemaPath = result.GetValue(schema)!;
            var tableSchema = SchemaSerDe.FromJson(ReadInput(schemaPath, "schema file"))
                ?? throw new SleeperException($"Schema file {schemaPath} is empty.");
            // Sleeper's own table.properties may name the table and its split points, and set properties that
            // mean nothing here: those are warned about, one line each, and the rest are honoured.
            var given = new TableCreationProperties();
            if (result.GetValue(propertiesFile) is { } file)
            {
                given.LoadFile(ReadInput(file, "properties file"), file);
            }
            foreach (var assignment in result.GetValue(property) ?? [])
            {
                given.SetFromAssignment(assignment);
            }
            given.CheckTableName(tableName);
            foreach (var warning in given.Warnings)
            {
                context.Error.WriteLine(warning);
            }
            var properties = given.Properties;
            var partitions = PartitionsBuilder.SingleRoot(tableSchema);
            if (given.ChooseSplitsFile(result.GetValue(splitPoints)) is { } splitFile)
            {
                var points = SplitPoints.Parse(ReadInput(splitFile, "split points file"), tableSchema,
                    properties.GetBool(TableProperty.SplitsBase64Encoded), splitFile);
                partitions = PartitionsBuilder.FromSplitPoints(tableSchema, points);
            }
            var table = await instance.CreateTableAsync(tableName, tableSchema, properties, partitions, cancel);
            if (!given.Online)
            {
                await instance.SetOnlineAsync(tableName, false, cancel);
            }
            var leaves = partitions.Count(p => p.IsLeaf);
            context.Out.WriteLine($"Created table {table.Name} (id {table.Id}) with {leaves} leaf partition{(leaves == 1 ? "" : "s")}");
            return 0;
        });
        return command;
    }

    private static Command List(CliContext context)
    {
        var format = new Option<string?>("--format") { Description = "table or json" };
        var command = new Command("list", "List the tables") { format };
        command.SetAction(async (result, cancel) =>
        {
            await using var instance = await context.OpenInstanceAsync(result, cancel);
            var tables = await instance.ListTablesAsync(cancel);
            if (Render.Format(result.GetValue(format), context.OutputIsTerminal ? "table" : "json", "table", "json") == "json")
            {
                Render.Json(context, new JsonArray(tables.Select(t => (JsonNode)new JsonObject
                {
                    ["name"] = t.TableName,
                    ["id"] = t.TableId,
                    ["online"] = t.Online,
                }).ToArray()));
            }
            else
            {
                Render.Table(context, ["name", "id", "online"],
                    tables.Select(t => (IReadOnlyList<string>)[t.TableName, t.TableId, t.Online ? "online" : "offline"]));
            }
            return 0;
        });
        return command;
    }

    private static Command Delete(CliContext context)
    {
        var name = NameArgument();
        var command = new Command("delete", "Delete a table and all its data") { name };
        command.SetAction(async (result, cancel) =>
        {
            await using var instance = await context.OpenInstanceAsync(result, cancel);
            await instance.DeleteTableAsync(result.GetValue(name)!, cancel);
            context.Out.WriteLine($"Deleted table {result.GetValue(name)}");
            return 0;
        });
        return command;
    }

    private static Command Rename(CliContext context)
    {
        var name = NameArgument();
        var newName = new Argument<string>("NEW_NAME") { Description = "The new name" };
        var command = new Command("rename", "Rename a table") { name, newName };
        command.SetAction(async (result, cancel) =>
        {
            await using var instance = await context.OpenInstanceAsync(result, cancel);
            await instance.RenameTableAsync(result.GetValue(name)!, result.GetValue(newName)!, cancel);
            context.Out.WriteLine($"Renamed table {result.GetValue(name)} to {result.GetValue(newName)}");
            return 0;
        });
        return command;
    }

    private static Command SetOnline(CliContext context, string verb, bool online)
    {
        var name = NameArgument();
        var command = new Command(verb, online ? "Bring a table back online" : "Take a table offline: no ingest, queries or scheduled work") { name };
        command.SetAction(async (result, cancel) =>
        {
            await using var instance = await context.OpenInstanceAsync(result, cancel);
            await instance.SetOnlineAsync(result.GetValue(name)!, online, cancel);
            context.Out.WriteLine($"Table {result.GetValue(name)} is {verb}");
            return 0;
        });
        return command;
    }

    private static Command Properties(CliContext context)
    {
        var name = NameArgument();
        var set = new Option<string[]>("--set") { Description = "Set a property: K=V (repeatable)" };
        var format = new Option<string?>("--format") { Description = "table or json" };
        var command = new Command("properties", "Show a table's properties, or change them with --set K=V") { name, set, format };
        command.SetAction(async (result, cancel) =>
        {
            await using var instance = await context.OpenInstanceAsync(result, cancel);
            var table = await instance.OpenTableAsync(result.GetValue(name)!, cancellationToken: cancel);
            var assignments = result.GetValue(set) ?? [];
            if (assignments.Length > 0)
            {
                var updated = table.Properties.Copy();
                foreach (var a in assignments)
                {
                    updated.SetFromAssignment(a);
                }
                TablePropertiesCheck.Validate(table.Schema, updated);
                foreach (var (k, v) in updated.SetValues)
                {
                    table.Properties.Set(k, v);
                }
                await instance.SaveTablePropertiesAsync(table, cancel);
            }
            PropertyOutput.Write(context, table.Properties, result.GetValue(format));
            return 0;
        });
        return command;
    }

    /// <summary>Reads a user's input file, with an error that names it when it is missing.</summary>
    public static string ReadInput(string path, string what)
    {
        if (Directory.Exists(path))
        {
            throw new SleeperException($"The {what} {path} is a folder, not a file.");
        }
        if (!File.Exists(path))
        {
            throw new SleeperException($"The {what} {path} does not exist.");
        }
        // Read strictly: a file that is not UTF-8 would otherwise become field names or split points full of U+FFFD.
        var bytes = File.ReadAllBytes(path);
        Utf8Validator.Validate(bytes, path);
        var text = bytes.AsSpan();
        if (text.StartsWith(Utf8ByteOrderMark))
        {
            text = text[Utf8ByteOrderMark.Length..];
        }
        return Encoding.UTF8.GetString(text);
    }

    private static ReadOnlySpan<byte> Utf8ByteOrderMark => [0xEF, 0xBB, 0xBF];
}
