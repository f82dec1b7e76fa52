using System.Text.Json.Nodes;
using Sleeper.Core;
using Sleeper.Core.Tracking;
using Sleeper.Instance;

namespace Sleeper.Reports;

/// <summary>The query tracker's report: queued queries, or one query with its sub-queries.</summary>
public static class QueryReports
{
    /// <summary>Every tracked query of these tables (all when null), without sub-queries.</summary>
    public static async Task<JsonArray> ListAsync(SleeperInstance instance, IReadOnlyList<string>? tableNames, CancellationToken cancellationToken)
    {
        var queries = (await instance.QueryTracker.ListQueriesAsync(cancellationToken).ConfigureAwait(false))
            .Where(q => tableNames is null || (q.TableName is not null && tableNames.Contains(q.TableName)));
        return new JsonArray(queries.Select(q => (JsonNode)Json(q, withSubQueries: false)).ToArray());
    }

    /// <summary>One query with its sub-queries and results files, or null when the tracker has no query of that id.</summary>
    public static async Task<JsonObject?> GetAsync(SleeperInstance instance, string queryId, CancellationToken cancellationToken) =>
        await instance.QueryTracker.GetQueryAsync(queryId, cancellationToken).ConfigureAwait(false) is { } query ? Json(query, withSubQueries: true) : null;

    /// <summary>One query, or a <see cref="SleeperException"/> naming the id when the tracker has none.</summary>
    public static async Task<JsonObject> RequireAsync(SleeperInstance instance, string queryId, CancellationToken cancellationToken) =>
        await GetAsync(instance, queryId, cancellationToken).ConfigureAwait(false)
            ?? throw new SleeperException($"No query has id '{queryId}' in the query tracker of {instance.Description}.");

    /// <summary>A query's status as JSON: the form of <c>status --report queries --format json</c>.</summary>
    public static JsonObject Json(QueryStatus q, bool withSubQueries)
    {
        var json = new JsonObject
        {
            ["queryId"] = q.QueryId,
            ["tableName"] = q.TableName,
            ["state"] = QueryStatus.Name(q.State),
            ["queued"] = ReportJson.Time(q.Queued),
            ["started"] = ReportJson.Time(q.Started),
            ["finished"] = ReportJson.Time(q.Finished),
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
                ["started"] = ReportJson.Time(s.Started),
                ["finished"] = ReportJson.Time(s.Finished),
                ["rows"] = s.Rows,
                ["resultsFile"] = s.ResultsFile,
                ["taskId"] = s.TaskId,
                ["error"] = s.Error,
            }).ToArray());
            json["resultsFiles"] = new JsonArray(q.ResultsFiles.Select(f => (JsonNode)f).ToArray());
        }
        return json;
    }
}
