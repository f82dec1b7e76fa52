using System.Text.Json;
using System.Text.Json.Nodes;
using Sleeper.Core.Schema;
using Sleeper.Core.StateStore;
using Sleeper.Core.Telemetry;

namespace Sleeper.Core.Query;

/// <summary>
/// A queued query, as it travels on the query queue: the whole request (regions, fields, iterator, authorisations)
/// with the ids that tie it to the tracker. A query as submitted has no <see cref="SubQueryId"/>; the worker that
/// takes it splits it into leaf sub-queries, each the same request with its regions restricted to one leaf
/// partition's region, sent back on the queue with the parent's <see cref="QueryId"/>.
/// </summary>
/// <remarks>
/// The authorisations travel in the message because the worker that runs it has no caller to ask: whoever puts a
/// query on the queue (the CLI today, the server from the caller's credential later) is trusted to have set them.
/// The table is named by id, so a rename between submission and run does not strand the query.
/// </remarks>
/// <param name="LeafPartitionId">For a sub-query, the leaf partition its regions were restricted to (reports only: the
/// sub-query re-plans against the table's state when it runs).</param>
/// <param name="TraceParent">The W3C trace context of whoever queued it (the submitter, or the worker that split the
/// query), so the spans of a query and its sub-queries form one trace; absent when nothing was traced.</param>
public sealed record QueryMessage(
    string QueryId,
    string? SubQueryId,
    string TableId,
    string TableName,
    QueryRequest Request,
    QueryDestination Destination,
    string? LeafPartitionId = null,
    string? TraceParent = null)
{
    public bool IsSubQuery => SubQueryId is not null;
}

/// <summary>The ids of a query message, readable without the table's schema (for dead letters and reports).</summary>
public sealed record QueryMessageHeader(string QueryId, string? SubQueryId, string TableId, string TableName, string? LeafPartitionId);

/// <summary>The JSON form of <see cref="QueryMessage"/>; key values by the table schema's types, as in the state store's regions.</summary>
public static class QueryMessageSerDe
{
    public static string ToJson(QueryMessage message, TableSchema schema)
    {
        var serDe = new StateStoreSerDe(schema);
        var request = message.Request;
        var o = new JsonObject
        {
            ["queryId"] = message.QueryId,
            ["subQueryId"] = message.SubQueryId,
            ["tableId"] = message.TableId,
            ["tableName"] = message.TableName,
            ["leafPartitionId"] = message.LeafPartitionId,
            ["destination"] = message.Destination.ToString(),
            ["regions"] = new JsonArray(request.Regions.Select(r => (JsonNode)serDe.WriteRegion(r)).ToArray()),
            ["requestedValueFields"] = Strings(request.RequestedValueFields),
            ["fields"] = Strings(request.Fields),
            ["iteratorClassName"] = request.IteratorClassName,
            ["iteratorConfig"] = request.IteratorConfig,
            ["authorisations"] = Strings(request.Authorisations),
            ["resultsPublisherConfig"] = new JsonObject(request.ResultsPublisherConfig.Select(p => KeyValuePair.Create(p.Key, (JsonNode?)p.Value))),
        };
        if (message.TraceParent is not null)
        {
            o[SleeperTelemetry.TraceParentField] = message.TraceParent;
        }
        return o.ToJsonString();
    }

    /// <exception cref="SleeperException">The body is not a query message.</exception>
    public static QueryMessageHeader ReadHeader(string json)
    {
        var o = Parse(json);
        return new QueryMessageHeader(Required(o, "queryId"), Optional(o, "subQueryId"), Required(o, "tableId"), Required(o, "tableName"), Optional(o, "leafPartitionId"));
    }

    /// <summary>Reads a message of the table whose schema is given (the one <see cref="ReadHeader"/> names).</summary>
    /// <exception cref="SleeperException">The body is not a query message of a table of that schema.</exception>
    public static QueryMessage FromJson(string json, TableSchema schema)
    {
        var o = Parse(json);
        var header = ReadHeader(json);
        try
        {
            var serDe = new StateStoreSerDe(schema);
            var regions = (o["regions"] as JsonArray ?? throw new SleeperException("A query message has no regions.")).Select(r => serDe.ReadRegion(r!)).ToList();
            var destination = Enum.TryParse<QueryDestination>(Optional(o, "destination") ?? nameof(QueryDestination.Store), out var d)
                ? d : throw new SleeperException($"Query message {header.QueryId} has an unknown destination '{Optional(o, "destination")}'.");
            var publisher = (o["resultsPublisherConfig"] as JsonObject)?.ToDictionary(p => p.Key, p => p.Value?.GetValue<string>() ?? "", StringComparer.Ordinal)
                ?? new Dictionary<string, string>(StringComparer.Ordinal);
            var request = new QueryRequest(header.TableName, header.QueryId, regions, StringList(o["requestedValueFields"]),
                Optional(o, "iteratorClassName"), Optional(o, "iteratorConfig"), publisher, [])
            {
                Fields = StringList(o["fields"]),
                Authorisations = StringList(o["authorisations"]) ?? [],
            };
            return new QueryMessage(header.QueryId, header.SubQueryId, header.TableId, header.TableName, request, destination, header.LeafPartitionId,
                Optional(o, SleeperTelemetry.TraceParentField));
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException or JsonException or NullReferenceException)
        {
            throw new SleeperException($"Query message {header.QueryId} does not fit table {header.TableName}: {e.Message}", e);
        }
    }

    private static JsonObject Parse(string json)
    {
        try
        {
            return JsonNode.Parse(json) as JsonObject ?? throw new SleeperException("A query message is not a JSON object.");
        }
        catch (JsonException e)
        {
            throw new SleeperException($"A query message is not valid JSON: {e.Message}", e);
        }
    }

    private static JsonArray? Strings(IReadOnlyList<string>? values) => values is null ? null : new JsonArray(values.Select(v => (JsonNode)v).ToArray());

    private static List<string>? StringList(JsonNode? node) => (node as JsonArray)?.Select(v => v!.GetValue<string>()).ToList();

    private static string? Optional(JsonObject o, string name) => o[name] is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;

    private static string Required(JsonObject o, string name) =>
        Optional(o, name) ?? throw new SleeperException($"A query message has no {name}.");
}
