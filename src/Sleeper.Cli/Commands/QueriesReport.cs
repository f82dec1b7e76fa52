using System.Globalization;
using System.Text.Json.Nodes;
using Sleeper.Cli.Output;
using Sleeper.Core;
using Sleeper.Core.Tracking;
using Sleeper.Instance;

namespace Sleeper.Cli.Commands;

/// <summary>status --report queries [--query-id ID]: queued queries from the query tracker, or one query with its sub-queries.</summary>
public static class QueriesReport
{
    public static async Task WriteAsync(CliContext context, SleeperInstance instance, IReadOnlyList<string>? tableNames, string? queryId, string format, CancellationToken cancellationToken)
    {
        if (queryId is not null)
        {
            var query = await instance.QueryTracker.GetQueryAsync(queryId, cancellationToken)
                ?? throw new SleeperException($"No query has id '{queryId}' in the query tracker of {instance.Description}.");
            if (format == "json")
            {
                Render.Json(context, Json(query, withSubQueries: true));
                return;
            }
            Render.Table(context, ["query", "table", "state", "queued", "finished", "ms", "rows", "sub-queries", "error"], [Row(query)]);
            Render.Table(context, ["sub-query", "partition", "state", "started", "finished", "rows", "results file", "error"], query.SubQueries.Select(s => (IReadOnlyList<string>)
                [s.SubQueryId, s.PartitionId ?? "", QueryStatus.Name(s.State), Time(s.Started) ?? "", Time(s.Finished) ?? "", N(s.Rows), s.ResultsFile ?? "", s.Error ?? ""]));
            return;
        }
        var queries = (await instance.QueryTracker.ListQueriesAsync(cancellationToken))
            .Where(q => tableNames is null || (q.TableName is not null && tableNames.Contains(q.TableName))).ToList();
        if (format == "json")
        {
            Render.Json(context, new JsonArray(queries.Select(q => (JsonNode)Json(q, withSubQueries: false)).ToArray()));
            return;
        }
        Render.Table(context, ["query", "table", "state", "queued", "finished", "ms", "rows", "sub-queries", "error"], queries.Select(Row));
    }

    private static IReadOnlyList<string> Row(QueryStatus q) =>
    [
        q.QueryId, q.TableName ?? "", QueryStatus.Name(q.State), Time(q.Queued) ?? "", Time(q.Finished) ?? "",
        q.Duration is { } d ? d.TotalMilliseconds.ToString("F0", CultureInfo.InvariantCulture) : "", N(q.RowsReturned),
        q.SubQueries.Count == 0 ? "" : $"{q.SubQueries.Count(s => s.State == QueryState.Completed)}/{q.SubQueries.Count}", q.Error ?? "",
    ];

    /// <summary>A query's status as JSON: the form of <c>status --report queries --format json</c>.</summary>
    public static JsonObject Json(QueryStatus q, bool withSubQueries)
    {
        var json = new JsonObject
        {
            ["queryId"] = q.QueryId,
            ["tableName"] = q.TableName,
            ["state"] = QueryStatus.Name(q.State),
            ["queued"] = Time(q.Queued),
            ["started"] = Time(q.Started),
            ["finished"] = Time(q.Finished),
            ["durationMs"] = q.Duration?.TotalMilliseconds,
            ["rowsReturned"] = q.RowsReturned,
            ["destination"] = q.Destination,
            ["subQueries"] = q.SubQueries.Count,
            ["subQueriesCompleted"] = q.SubQueries.Count(s => s.State == QueryState.Completed),
            ["subQueriesFailed"] = q.SubQueries.Count(s => s.State == QueryState.Failed),
            ["error"] = q.Error,
        };
        if (withSubQueries)
        {
            json["subQueries"] = new JsonArray(q.SubQueries.Select(s => (JsonNode)new JsonObject
            {
                ["subQueryId"] = s.SubQueryId,
                ["partitionId"] = s.PartitionId,
                ["state"] = QueryStatus.Name(s.State),
                ["started"] = Time(s.Started),
                ["finished"] = Time(s.Finished),
                ["rows"] = s.Rows,
                ["resultsFile"] = s.ResultsFile,
                ["taskId"] = s.TaskId,
                ["error"] = s.Error,
            }).ToArray());
            json["resultsFiles"] = new JsonArray(q.ResultsFiles.Select(f => (JsonNode)f).ToArray());
        }
        return json;
    }

    private static string? Time(DateTimeOffset? time) => JobStatusJson.Time(time);

    private static string N(long? value) => value?.ToString("N0", CultureInfo.InvariantCulture) ?? "";
}
