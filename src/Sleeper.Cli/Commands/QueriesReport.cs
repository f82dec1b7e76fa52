using System.Text.Json.Nodes;
using Sleeper.Cli.Output;

namespace Sleeper.Cli.Commands;

/// <summary>The table view of status --report queries [--query-id ID]: queued queries, or one query with its sub-queries.</summary>
public static class QueriesReport
{
    private static readonly string[] QueryHeaders = ["query", "table", "state", "queued", "finished", "ms", "rows", "sub-queries", "error"];

    public static void WriteList(CliContext context, JsonArray queries) => Render.Table(context, QueryHeaders, queries.Select(Row));

    public static void WriteOne(CliContext context, JsonObject query)
    {
        Render.Table(context, QueryHeaders, [Row(query)]);
        Render.Table(context, ["sub-query", "partition", "state", "started", "finished", "rows", "results file", "error"], query["subQueries"]!.AsArray().Select(s => (IReadOnlyList<string>)
            [ReportCells.Text(s, "subQueryId"), ReportCells.Text(s, "partitionId"), ReportCells.Text(s, "state"), ReportCells.Text(s, "started"), ReportCells.Text(s, "finished"),
             ReportCells.N(s, "rows"), ReportCells.Text(s, "resultsFile"), ReportCells.Text(s, "error")]));
    }

    private static IReadOnlyList<string> Row(JsonNode? q)
    {
        // The list form counts sub-queries; the one-query form lists them.
        var (count, completed) = q!["subQueries"] is JsonArray subs
            ? (subs.Count, subs.Count(s => ReportCells.Text(s, "state") == "COMPLETED"))
            : (q["subQueries"]!.GetValue<int>(), q["subQueriesCompleted"]!.GetValue<int>());
        return
        [
            ReportCells.Text(q, "queryId"), ReportCells.Text(q, "tableName"), ReportCells.Text(q, "state"), ReportCells.Text(q, "queued"), ReportCells.Text(q, "finished"),
            q["durationMs"] is { } ms ? ReportCells.Number(ms).ToString("F0", System.Globalization.CultureInfo.InvariantCulture) : "", ReportCells.N(q, "rowsReturned"),
            count == 0 ? "" : $"{completed}/{count}", ReportCells.Text(q, "error"),
        ];
    }
}
