using System.CommandLine;
using System.Text.Json.Nodes;
using Sleeper.Cli.Output;
using Sleeper.Instance;

namespace Sleeper.Cli.Commands;

/// <summary>sleeper instance create | properties | pause | resume.</summary>
public static class InstanceCommands
{
    public static Command Build(CliContext context)
    {
        var command = new Command("instance", "Create an instance, show and change its properties, pause and resume its scheduled work");

        var stateStore = new Option<string?>("--state-store")
        {
            Description = "postgresql://USER@HOST:PORT/DATABASE: keep the transaction logs, queues, trackers, batcher store and table index there (required for an s3:// instance). No password: use PGPASSWORD or ~/.pgpass",
        };
        var s3Endpoint = new Option<string?>("--s3-endpoint") { Description = "An S3-compatible endpoint URL (default: $SLEEPER_S3_ENDPOINT, else AWS)" };
        var create = new Command("create", "Make an instance: a folder (embedded), or s3://BUCKET/PREFIX with --state-store (an error if one exists there)") { stateStore, s3Endpoint };
        create.SetAction(async (result, cancel) =>
        {
            Uri? endpoint = null;
            if (result.GetValue(s3Endpoint) is { Length: > 0 } given && (!Uri.TryCreate(given, UriKind.Absolute, out endpoint) || endpoint.Scheme is not ("http" or "https")))
            {
                throw new UsageException($"--s3-endpoint '{given}' is not an http(s) URL.");
            }
            await using var instance = await SleeperInstance.CreateAsync(context.InstanceLocation(result), result.GetValue(stateStore), endpoint, context.Time, cancel, context.Logging);
            context.Out.WriteLine($"Created instance {instance.Properties.Get(Core.Properties.InstanceProperty.Id)} at {instance.Description}");
            return 0;
        });
        command.Subcommands.Add(create);

        var set = new Option<string[]>("--set") { Description = "Set a property: K=V (repeatable)", AllowMultipleArgumentsPerToken = false };
        var format = new Option<string?>("--format") { Description = "table or json" };
        var properties = new Command("properties", "Show instance properties, or change them with --set K=V") { set, format };
        properties.SetAction(async (result, cancel) =>
        {
            await using var instance = await context.OpenInstanceAsync(result, cancel);
            var assignments = result.GetValue(set) ?? [];
            if (assignments.Length > 0)
            {
                foreach (var a in assignments)
                {
                    instance.Properties.SetFromAssignment(a);
                }
                await instance.SavePropertiesAsync(cancel);
            }
            PropertyOutput.Write(context, instance.Properties, result.GetValue(format));
            return 0;
        });
        command.Subcommands.Add(properties);
        InstancePauseCommands.AddTo(command, context);
        return command;
    }
}

/// <summary>Shows a property set: every known property with its value and whether it is the default.</summary>
public static class PropertyOutput
{
    public static void Write(CliContext context, Core.Properties.SleeperProperties properties, string? format)
    {
        var f = Render.Format(format, context.OutputIsTerminal ? "table" : "json", "table", "json");
        var rows = properties.Definitions.OrderBy(d => d.Name, StringComparer.Ordinal)
            .Select(d => (d.Name, Value: properties.Get(d), IsSet: properties.SetValues.ContainsKey(d.Name), d.Description)).ToList();
        if (f == "json")
        {
            var obj = new JsonObject();
            foreach (var r in rows)
            {
                obj[r.Name] = r.Value;
            }
            Render.Json(context, obj);
        }
        else
        {
            Render.Table(context, ["property", "value", "", "description"],
                rows.Select(r => (IReadOnlyList<string>)[r.Name, r.Value ?? "", r.IsSet ? "set" : "default", r.Description]));
        }
    }
}
