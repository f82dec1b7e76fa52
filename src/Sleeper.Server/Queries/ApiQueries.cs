using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Sleeper.Core;
using Sleeper.Core.Keys;
using Sleeper.Core.Query;
using Sleeper.Core.Schema;
using Sleeper.Core.Security;

namespace Sleeper.Server.Queries;

/// <summary>
/// Reads a query as the API takes it, for REST and WebSocket alike: Sleeper's query JSON (<c>keys</c>, <c>ranges</c>
/// or <c>regions</c>, read by <see cref="QueryJson"/>; <c>tableName</c> may be left out on the REST path, which names
/// the table), or <c>region</c> in the CLI's <c>--region</c> form (one object or an array of them). The caller's
/// authorisations are set from its credential; a body that tries to give any is refused, never merged.
/// </summary>
public static class ApiQueries
{
    private static readonly string[] AuthorisationProperties = ["authorisations", "authorizations", "auths", "authorisation", "authorization"];
    private static readonly string[] RegionFormProperties = ["region", "requestedValueFields", "tableName", "queryId"];

    public static QueryRequest Parse(JsonObject body, TableSchema schema, string tableName, Authorisations authorisations, string source)
    {
        foreach (var name in AuthorisationProperties)
        {
            if (body.ContainsKey(name))
            {
                throw new ApiException(StatusCodes.Status400BadRequest,
                    $"{source}: '{name}' cannot be given: a query runs with the authorisations of its API key, and no others.");
            }
        }
        QueryRequest request;
        try
        {
            request = body.ContainsKey("region") ? ParseRegionForm(body, schema, tableName, source) : ParseSleeperForm(body, schema, tableName, source);
        }
        catch (SleeperException e)
        {
            throw new ApiException(StatusCodes.Status400BadRequest, e.Message);
        }
        return request with { Authorisations = [.. authorisations] };
    }

    private static QueryRequest ParseSleeperForm(JsonObject body, TableSchema schema, string tableName, string source)
    {
        if (!body.ContainsKey("tableName"))
        {
            body = (JsonObject)body.DeepClone();
            body["tableName"] = tableName;
        }
        return QueryJson.Parse(body.ToJsonString(), schema, tableName, source);
    }

    private static QueryRequest ParseRegionForm(JsonObject body, TableSchema schema, string tableName, string source)
    {
        foreach (var (name, _) in body)
        {
            if (!RegionFormProperties.Contains(name))
            {
                throw new SleeperException($"{source}: '{name}' does not go with 'region' (a region query may have {string.Join(", ", RegionFormProperties)}).");
            }
        }
        if (body["tableName"] is { } given && (given.GetValueKind() != JsonValueKind.String || given.GetValue<string>() != tableName))
        {
            throw new SleeperException($"{source}: tableName is {given.ToJsonString()} but the query is of table '{tableName}'.");
        }
        var regionNodes = body["region"] switch
        {
            JsonObject one => [one],
            JsonArray many => many.Select((n, i) => n as JsonObject ?? throw new SleeperException($"{source}: region[{i}] is not a JSON object.")).ToList(),
            _ => throw new SleeperException($"{source}: region must be an object {{\"field\":[min, minInclusive, max, maxInclusive]}} or an array of them."),
        };
        if (regionNodes.Count == 0)
        {
            throw new SleeperException($"{source}: region is empty; give at least one.");
        }
        var regions = regionNodes.Select((r, i) => RegionJson.Parse(schema, r, regionNodes.Count == 1 ? $"{source}: region" : $"{source}: region[{i}]")).ToList();
        List<string>? requested = null;
        if (body["requestedValueFields"] is { } fieldsNode)
        {
            requested = (fieldsNode as JsonArray ?? throw new SleeperException($"{source}: requestedValueFields must be a JSON array."))
                .Select((f, i) => f is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>()
                    : throw new SleeperException($"{source}: requestedValueFields[{i}] is not a string.")).ToList();
            foreach (var f in requested.Where(f => schema.IndexOf(f) < 0))
            {
                throw new SleeperException($"{source}: requestedValueFields: '{f}' is not a field of table {tableName} (value fields: {string.Join(", ", schema.ValueFields.Select(x => x.Name))}).");
            }
        }
        var queryId = body["queryId"] is JsonValue q && q.GetValueKind() == JsonValueKind.String ? q.GetValue<string>() : null;
        return new QueryRequest(tableName, queryId, regions, requested, null, null, new Dictionary<string, string>(), []);
    }

    /// <summary>The leaf sub-queries of a request, in key order of their leaves: each reads only its own leaf's part of the regions.</summary>
    public static IReadOnlyList<(string SubQueryId, string PartitionId, QueryRequest Request)> SplitByLeaf(QueryRequest request, IReadOnlyList<LeafPartitionQuery> plan)
    {
        var type = plan.Count == 0 ? null : plan[0].Leaf.Region.Ranges[0].Field.PrimitiveType;
        return plan
            .OrderBy(p => p.Leaf.Region.Ranges[0].Min, Comparer<object>.Create((a, b) => KeyValues.Compare(type!, a, b)))
            .Select(p => (Leaf: p.Leaf, Regions: request.Regions
                .Where(r => !r.IsEmpty() && r.Overlaps(p.Leaf.Region))
                .Select(r => RegionIntersection.Intersect(r, p.Leaf.Region))
                .Where(r => !r.IsEmpty()).ToList()))
            .Where(x => x.Regions.Count > 0)
            .Select(x => (Guid.NewGuid().ToString(), x.Leaf.Id, request with { Regions = x.Regions }))
            .ToList();
    }
}
