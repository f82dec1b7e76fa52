using System.Text.Json.Nodes;
using Sleeper.Core;
using Sleeper.Instance;

namespace Sleeper.Reports;

/// <summary>
/// Every status report of an instance as one JSON document: the single entry point behind <c>sleeper status</c>
/// (which renders it as tables on a terminal and prints it as it is otherwise) and the server's status endpoints
/// (which return it as it is). docs/reports.md describes each report's form.
/// </summary>
public static class StatusReports
{
    public const string Full = "full";
    public const string Partitions = "partitions";
    public const string Files = "files";
    public const string Metrics = "metrics";
    public const string CompactionJobs = "compaction-jobs";
    public const string CompactionTasks = "compaction-tasks";
    public const string IngestJobs = "ingest-jobs";
    public const string IngestTasks = "ingest-tasks";
    public const string BulkImportJobs = "bulk-import-jobs";
    public const string IngestBatcher = "ingest-batcher";
    public const string DeadLettersReport = "dead-letters";
    public const string Queries = "queries";
    public const string Queues = "queues";

    /// <summary>The report names, as <c>--report</c> and <c>?report=</c> take them.</summary>
    public static readonly IReadOnlyList<string> Names =
        [Full, Partitions, Files, Metrics, CompactionJobs, CompactionTasks, IngestJobs, IngestTasks, BulkImportJobs, IngestBatcher, DeadLettersReport, Queries, Queues];

    /// <summary>
    /// Builds one report.
    /// </summary>
    /// <param name="tables">
    /// The tables reported on; null for every table (and, for dead-letters and queries, every letter and query,
    /// including those no table can be found for). The reports of table state (full, partitions, files, metrics) and
    /// the ingest batcher's give one table's JSON bare when exactly one table is reported on (except full), else an
    /// object keyed by table name.
    /// </param>
    /// <param name="queryId">With <see cref="Queries"/>: that query alone, with its sub-queries.</param>
    /// <exception cref="SleeperException">The report name is unknown, a table does not exist, or the query id is not tracked.</exception>
    public static async Task<JsonNode> BuildAsync(SleeperInstance instance, string report, IReadOnlyList<string>? tables, string? queryId, CancellationToken cancellationToken)
    {
        if (!Names.Contains(report))
        {
            throw new SleeperException($"There is no status report '{report}'; the reports are {string.Join(", ", Names)}.");
        }
        if (queryId is not null && report != Queries)
        {
            throw new SleeperException($"A query id goes with the '{Queries}' report, not '{report}'.");
        }
        switch (report)
        {
            case Queries:
                return queryId is not null
                    ? await QueryReports.RequireAsync(instance, queryId, cancellationToken).ConfigureAwait(false)
                    : await QueryReports.ListAsync(instance, tables, cancellationToken).ConfigureAwait(false);
            case DeadLettersReport:
                return DeadLetters.Json(await DeadLetters.ListAsync(instance, tables, null, cancellationToken).ConfigureAwait(false));
            case CompactionTasks:
                return await JobReports.TasksAsync(instance.CompactionTracker, cancellationToken).ConfigureAwait(false);
            case IngestTasks:
                return await JobReports.TasksAsync(instance.IngestTracker, cancellationToken).ConfigureAwait(false);
            case Queues:
                return await QueuesAsync(instance, cancellationToken).ConfigureAwait(false);
        }
        var names = tables ?? (await instance.ListTablesAsync(cancellationToken).ConfigureAwait(false)).Select(t => t.TableName).ToList();
        switch (report)
        {
            case CompactionJobs:
                return await JobReports.CompactionJobsAsync(instance, names, cancellationToken).ConfigureAwait(false);
            case IngestJobs:
                return await JobReports.IngestJobsAsync(instance, instance.IngestTracker, names, cancellationToken).ConfigureAwait(false);
            case BulkImportJobs:
                return await JobReports.IngestJobsAsync(instance, instance.BulkImportTracker, names, cancellationToken).ConfigureAwait(false);
            case IngestBatcher:
                if (names.Count == 1)
                {
                    return await IngestBatcherReports.TableAsync(instance, names[0], cancellationToken).ConfigureAwait(false);
                }
                var batcher = new JsonObject();
                foreach (var name in names)
                {
                    batcher[name] = await IngestBatcherReports.TableAsync(instance, name, cancellationToken).ConfigureAwait(false);
                }
                return batcher;
        }
        // The reports of table state: full, partitions, files, metrics.
        var json = new JsonObject();
        foreach (var name in names)
        {
            var table = await TableAsync(instance, name, report, cancellationToken).ConfigureAwait(false);
            if (names.Count == 1 && report != Full)
            {
                return table[report]!.DeepClone();
            }
            json[name] = report == Metrics ? table[Metrics]!.DeepClone() : table;
        }
        return json;
    }

    /// <summary>
    /// One table's state: {"id","online","transactionNumber","partitions","files","metrics"}, with only the part
    /// <paramref name="report"/> names filled in (all of them for full, which is what a table view reads).
    /// </summary>
    public static async Task<JsonObject> TableAsync(SleeperInstance instance, string tableName, string report, CancellationToken cancellationToken)
    {
        var table = await instance.OpenTableAsync(tableName, cancellationToken: cancellationToken).ConfigureAwait(false);
        var state = await table.StateStore.GetStateAsync(cancellationToken).ConfigureAwait(false);
        var json = new JsonObject
        {
            ["id"] = table.Id,
            ["online"] = table.Status.Online,
            ["transactionNumber"] = table.StateStore.LastTransactionNumber,
            ["partitions"] = report is Full or Partitions ? TableStateReports.Partitions(table, state) : null,
            ["files"] = report is Full or Files ? TableStateReports.Files(state, TableStateReports.GcBefore(table, instance.Time)) : null,
        };
        if (report is Full or Metrics)
        {
            json["metrics"] = TableStateReports.Metrics(state);
        }
        return json;
    }

    /// <summary>queues: {"compaction":{"visible","inFlight","deadLetters"},…} for every job queue.</summary>
    public static async Task<JsonObject> QueuesAsync(SleeperInstance instance, CancellationToken cancellationToken)
    {
        var json = new JsonObject();
        foreach (var name in DeadLetters.Queues)
        {
            var depth = await instance.Queue(name).GetDepthAsync(cancellationToken).ConfigureAwait(false);
            json[name] = new JsonObject { ["visible"] = depth.Visible, ["inFlight"] = depth.InFlight, ["deadLetters"] = depth.DeadLetters };
        }
        return json;
    }

    /// <summary>
    /// The instance at a glance: {"queues":{…},"deadLetters":[…],"tables":{NAME:{"id","online","metrics"}}} —
    /// what <c>GET /api/status</c> returns by default.
    /// </summary>
    public static async Task<JsonObject> InstanceAsync(SleeperInstance instance, CancellationToken cancellationToken)
    {
        var tables = new JsonObject();
        foreach (var status in await instance.ListTablesAsync(cancellationToken).ConfigureAwait(false))
        {
            var table = await TableAsync(instance, status.TableName, Metrics, cancellationToken).ConfigureAwait(false);
            tables[status.TableName] = new JsonObject { ["id"] = status.TableId, ["online"] = status.Online, ["metrics"] = table[Metrics]!.DeepClone() };
        }
        return new JsonObject
        {
            ["queues"] = await QueuesAsync(instance, cancellationToken).ConfigureAwait(false),
            ["deadLetters"] = DeadLetters.Json(await DeadLetters.ListAsync(instance, null, null, cancellationToken).ConfigureAwait(false)),
            ["tables"] = tables,
        };
    }
}
