using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Sleeper.Core;
using Sleeper.Core.Partitions;
using Sleeper.Core.Properties;
using Sleeper.Core.Schema;
using Sleeper.Core.Tables;
using Sleeper.Ingest.Input;
using Sleeper.Instance;
using Sleeper.Server.Auth;
using Sleeper.Server.Serving;

namespace Sleeper.Server.Endpoints;

/// <summary>The tables of the instance: list, create, describe, properties, offline and online (changes need the admin role).</summary>
public static class TableEndpoints
{
    public static void Map(WebApplication app)
    {
        var tables = app.MapGroup("/api/tables").RequireAuthorization(Policies.Read).WithTags("Tables");
        tables.MapGet("", async (SleeperInstance instance, CancellationToken cancel) =>
                Results.Json((await instance.ListTablesAsync(cancel)).OrderBy(t => t.TableName, StringComparer.Ordinal)
                    .Select(t => new TableSummary(t.TableName, t.TableId, t.Online))))
            .WithSummary("List the tables")
            .Produces<List<TableSummary>>();
        tables.MapPost("", CreateAsync)
            .RequireAuthorization(Policies.Admin)
            .WithSummary("Create a table from Sleeper's schema JSON, with table properties and split points (role admin)")
            .Accepts<CreateTableBody>("application/json")
            .Produces<TableSummary>(StatusCodes.Status201Created)
            .Produces<ErrorBody>(StatusCodes.Status400BadRequest)
            .Produces<ErrorBody>(StatusCodes.Status409Conflict);
        tables.MapGet("/{name}", DescribeAsync)
            .WithSummary("A table's schema, the properties set on it, and its status (partitions, files, rows)")
            .Produces<TableDescription>()
            .Produces<ErrorBody>(StatusCodes.Status404NotFound);
        tables.MapPut("/{name}/properties", SetPropertiesAsync)
            .RequireAuthorization(Policies.Admin)
            .WithSummary("Set table properties: a JSON object of property name to value (role admin); answers with the properties set")
            .Accepts<Dictionary<string, string>>("application/json")
            .Produces<Dictionary<string, string>>()
            .Produces<ErrorBody>(StatusCodes.Status400BadRequest);
        tables.MapPost("/{name}/offline", (string name, SleeperInstance instance, CancellationToken cancel) => SetOnlineAsync(name, false, instance, cancel))
            .RequireAuthorization(Policies.Admin)
            .WithSummary("Take a table offline: no ingest, queries or scheduled work (role admin)")
            .Produces<TableSummary>();
        tables.MapPost("/{name}/online", (string name, SleeperInstance instance, CancellationToken cancel) => SetOnlineAsync(name, true, instance, cancel))
            .RequireAuthorization(Policies.Admin)
            .WithSummary("Bring a table back online (role admin)")
            .Produces<TableSummary>();
    }

    private static async Task<IResult> CreateAsync(HttpContext context, SleeperInstance instance, CancellationToken cancel)
    {
        const string what = "Table creation";
        var body = await Bodies.ReadObjectAsync(context.Request, what, cancel);
        Bodies.RequireOnly(body, what, "name", "schema", "properties", "splitPoints");
        var name = body["name"] is JsonValue n && n.GetValueKind() == JsonValueKind.String ? n.GetValue<string>().Trim() : "";
        if (name.Length == 0 || name.Any(c => char.IsControl(c) || c is '/' or '\\'))
        {
            throw Bad($"{what}: 'name' must be a non-empty string without '/', '\\' or control characters.");
        }
        if (body["schema"] is not JsonObject schemaJson)
        {
            throw Bad($"{what} of '{name}': 'schema' must be Sleeper's schema JSON object (rowKeyFields, sortKeyFields, valueFields).");
        }
        TableSchema schema;
        try
        {
            schema = SchemaSerDe.FromJson(schemaJson.ToJsonString()) ?? throw new SleeperException("the schema is empty");
        }
        catch (Exception e) when (e is SleeperException or JsonException or InvalidOperationException or ArgumentException or FormatException)
        {
            throw Bad($"{what} of '{name}': the schema is not valid: {e.Message}");
        }
        var given = new TableCreationProperties();
        foreach (var (key, value) in Properties(body["properties"], $"{what} of '{name}'"))
        {
            // A splits file would be read from the server's own disk: over the API, split points come in the body.
            if (key == TableProperty.SplitsFile.Name)
            {
                throw Bad($"{what} of '{name}': {key} names a file on the server; give the split points as 'splitPoints' instead.");
            }
            given.SetFromAssignment($"{key}={value}");
        }
        given.CheckTableName(name);
        var partitions = PartitionsBuilder.SingleRoot(schema);
        if (body["splitPoints"] is { } pointsNode)
        {
            if (pointsNode is not JsonArray points)
            {
                throw Bad($"{what} of '{name}': 'splitPoints' must be an array of values of the first row key.");
            }
            var field = schema.RowKeyFields[0];
            var values = points.Select((p, i) =>
                JsonValueConverter.Convert(field, JsonSerializer.SerializeToElement(p), $"{what} of '{name}': splitPoints[{i}]")
                ?? throw Bad($"{what} of '{name}': splitPoints[{i}] is null; split points are values of row key '{field.Name}'.")).ToList();
            partitions = PartitionsBuilder.FromSplitPoints(schema, values);
        }
        var table = await instance.CreateTableAsync(name, schema, given.Properties, partitions, cancel);
        if (!given.Online)
        {
            await instance.SetOnlineAsync(name, false, cancel);
        }
        return Results.Json(new TableSummary(table.Name, table.Id, given.Online), statusCode: StatusCodes.Status201Created);
    }

    private static async Task<IResult> DescribeAsync(string name, SleeperInstance instance, ServedTables tables, CancellationToken cancel)
    {
        var status = await instance.GetTableStatusAsync(name, cancel);
        var served = await tables.GetAsync(name, requireOnline: false, cancel);
        var table = served.Table;
        var state = (await table.StateStore.GetReadStateAsync(cancel)).State;
        var tree = state.PartitionTree();
        var references = state.AllReferences().ToList();
        var body = new TableDescription(
            status.TableName, status.TableId, status.Online,
            JsonNode.Parse(SchemaSerDe.ToJson(table.Schema, indented: false))!.AsObject(),
            new Dictionary<string, string>(table.Properties.SetValues, StringComparer.Ordinal),
            new TableStatusBody(tree.All.Count, tree.Leaves.Count, state.Files.Count, references.Count, references.Sum(r => r.NumberOfRows),
                state.Files.Values.Count(f => f.References.Count == 0)));
        return Results.Json(body);
    }

    private static async Task<IResult> SetPropertiesAsync(string name, HttpContext context, SleeperInstance instance, ServedTables tables, CancellationToken cancel)
    {
        var what = $"Properties of table '{name}'";
        var body = await Bodies.ReadObjectAsync(context.Request, what, cancel);
        // A copy of its own, changed and saved; the served table is forgotten so queries pick the new properties up
        // at once, and no running query sees its properties change under it.
        var table = await instance.OpenTableAsync(name, cancellationToken: cancel);
        var updated = table.Properties.Copy();
        foreach (var (key, value) in Properties(body, what))
        {
            updated.SetFromAssignment($"{key}={value}");
        }
        TablePropertiesCheck.Validate(table.Schema, updated);
        foreach (var (k, v) in updated.SetValues)
        {
            table.Properties.Set(k, v);
        }
        await instance.SaveTablePropertiesAsync(table, cancel);
        tables.Forget(table.Id);
        return Results.Json(new Dictionary<string, string>(table.Properties.SetValues, StringComparer.Ordinal));
    }

    private static async Task<IResult> SetOnlineAsync(string name, bool online, SleeperInstance instance, CancellationToken cancel)
    {
        await instance.SetOnlineAsync(name, online, cancel);
        var status = await instance.GetTableStatusAsync(name, cancel);
        return Results.Json(new TableSummary(status.TableName, status.TableId, status.Online));
    }

    /// <summary>Property assignments from a JSON object; numbers and booleans are taken as their text.</summary>
    private static IEnumerable<(string Key, string Value)> Properties(JsonNode? node, string what)
    {
        if (node is null)
        {
            yield break;
        }
        if (node is not JsonObject obj)
        {
            throw Bad($"{what}: properties must be a JSON object of property name to value.");
        }
        foreach (var (key, value) in obj)
        {
            yield return (key, value switch
            {
                JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
                JsonValue v when v.GetValueKind() is JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => v.ToJsonString(),
                _ => throw Bad($"{what}: the value of '{key}' must be a string, number or boolean."),
            });
        }
    }

    private static ApiException Bad(string message) => new(StatusCodes.Status400BadRequest, message);
}
