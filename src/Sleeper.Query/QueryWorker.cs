using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using Sleeper.Core;
using Sleeper.Core.Iterators;
using Sleeper.Core.Jobs;
using Sleeper.Core.Keys;
using Sleeper.Core.Query;
using Sleeper.Core.Storage;
using Sleeper.Core.Tables;
using Sleeper.Core.Tracking;
using Sleeper.Parquet;
using Sleeper.Core.Telemetry;

namespace Sleeper.Query;

/// <summary>What one sub-query came to: its rows and where they went.</summary>
public sealed record SubQueryResult(string QueryId, string SubQueryId, string TableName, long Rows, string? ResultsFile, TimeSpan Elapsed);

/// <summary>What a query worker did before it stopped.</summary>
/// <param name="SubQueriesRun">Sub-queries that completed (a query over one leaf runs as one).</param>
/// <param name="Failed">Queries and sub-queries that failed.</param>
public sealed record QueryWorkerResult(string TaskId, int SubQueriesRun, int Failed, long RowsReturned, int DeadLettered = 0);

/// <summary>
/// A query task: takes queries from the query queue and runs them until the queue stays empty for the idle
/// timeout, like the compaction and ingest workers (<see cref="WorkerTask"/>, with heartbeats that keep a running
/// message hidden and sweeps of the dead letters).
/// </summary>
/// <remarks>
/// <para>
/// A query as submitted meets the table's current leaf partitions. Over one leaf it runs here and now. Over several it
/// is split: one sub-query per leaf, the query with each region intersected with the leaf's region, sent back on the
/// queue so that every idle worker can take one and the leaves are read in parallel across workers. A sub-query
/// re-plans against the state when it runs (it is an ordinary query of a smaller region), so a compaction, split or
/// garbage collection in between neither loses nor duplicates a row, nor fails on a deleted file; the regions of the
/// sub-queries are disjoint, so each row is in one result file.
/// </para>
/// <para>
/// Each sub-query writes its rows, in key order, to <c>query-results/&lt;queryId&gt;/&lt;subQueryId&gt;.parquet</c> in the
/// instance's store and records Completed with the row count; the parent's state is folded from its sub-queries'
/// (<see cref="QueryStatus"/>). A query or sub-query that throws is recorded as Failed and not retried: the same
/// query against the same files would fail again. One whose worker dies comes back after the visibility timeout and
/// runs again from the start (its sub-query ids come from the leaves, so a split made twice names the same ones);
/// one that kills its workers every time goes to the dead letters, and the sweep records it as failed.
/// </para>
/// </remarks>
public sealed class QueryWorker(
    IJobQueue queue,
    IQueryTracker queries,
    IJobTracker tasks,
    Func<string, CancellationToken, Task<SleeperTable>> openTableById,
    IObjectStore results,
    TimeProvider? time = null,
    IteratorLoader? iteratorLoader = null)
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    /// <summary>How long a received query stays hidden from other workers; extended while it runs.</summary>
    public TimeSpan VisibilityTimeout { get; init; } = TimeSpan.FromMinutes(2);

    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMilliseconds(100);

    public string TaskId { get; } = Guid.NewGuid().ToString();

    /// <summary>Runs queries until none has been visible for <paramref name="idleTimeout"/>; reports each sub-query that completes.</summary>
    public async Task<QueryWorkerResult> RunAsync(TimeSpan idleTimeout, IProgress<SubQueryResult>? progress = null, CancellationToken cancellationToken = default)
    {
        var deadLetters = QueryDeadLetters.Sweep(queue, tasks, queries, _time, TaskId);
        var failed = 0;
        var run = 0;
        long rows = 0;
        var totals = await WorkerTask.RunAsync(tasks, TaskId, _time, queue, VisibilityTimeout, PollInterval, idleTimeout, deadLetters, async message =>
        {
            var outcome = await RunOneAsync(message, progress, cancellationToken);
            if (outcome.Failed)
            {
                failed++;
                return JobAttempt.Failed;
            }
            run += outcome.SubQueriesRun;
            rows += outcome.Rows;
            return outcome.SubQueriesRun > 0 ? JobAttempt.Finished(outcome.Rows, outcome.Rows) : JobAttempt.AlreadyDone;
        }, cancellationToken);
        return new QueryWorkerResult(TaskId, run, failed, rows, totals.JobsDeadLettered);
    }

    private readonly record struct Outcome(bool Failed, int SubQueriesRun, long Rows);

    private async Task<Outcome> RunOneAsync(QueuedMessage message, IProgress<SubQueryResult>? progress, CancellationToken cancellationToken)
    {
        QueryMessageHeader header;
        try
        {
            header = QueryMessageSerDe.ReadHeader(message.Body);
        }
        catch (SleeperException)
        {
            // A message no worker could ever run: let it go to the dead letters, where it can be seen.
            await queue.ReleaseAsync(message, cancellationToken);
            return new Outcome(true, 0, 0);
        }
        await queries.RecordAsync(new QueryEvent(header.QueryId, QueryEventKind.Started, _time.GetUtcNow(), header.SubQueryId,
            PartitionId: header.LeafPartitionId, TaskId: TaskId), cancellationToken);
        await using var extender = VisibilityExtender.Start(queue, message, VisibilityTimeout, _time);
        using var work = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, extender.ClaimLostToken);
        string? failingSubQuery = header.SubQueryId;
        try
        {
            var table = await openTableById(header.TableId, work.Token);
            var query = QueryMessageSerDe.FromJson(message.Body, table.Schema);
            // Continues the trace of whoever queued it: a sub-query's span is a child of the span that split its query.
            using var span = SleeperTelemetry.StartContinued(query.IsSubQuery ? "query.subquery" : "query.split", query.TraceParent);
            span?.SetTag("sleeper.query.id", query.QueryId);
            span?.SetTag("sleeper.subquery.id", query.SubQueryId);
            Outcome outcome;
            if (query.IsSubQuery)
            {
                var result = await RunSubQueryAsync(table, query, work.Token);
                progress?.Report(result);
                outcome = new Outcome(false, 1, result.Rows);
            }
            else
            {
                var subQueries = await SplitAsync(table, query, work.Token);
                if (subQueries.Count == 1)
                {
                    // One leaf: nothing to share out, so it runs here rather than going round the queue again.
                    failingSubQuery = subQueries[0].SubQueryId;
                    await queries.RecordAsync(new QueryEvent(query.QueryId, QueryEventKind.Started, _time.GetUtcNow(), failingSubQuery,
                        PartitionId: subQueries[0].LeafPartitionId, TaskId: TaskId), work.Token);
                    var result = await RunSubQueryAsync(table, subQueries[0], work.Token);
                    progress?.Report(result);
                    outcome = new Outcome(false, 1, result.Rows);
                }
                else
                {
                    foreach (var sub in subQueries)
                    {
                        await queue.SendAsync(QueryMessageSerDe.ToJson(sub, table.Schema), work.Token);
                    }
                    outcome = new Outcome(false, 0, 0);
                }
            }
            await extender.StopAsync();
            await queue.DeleteAsync(message, cancellationToken);
            return outcome;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The worker is stopping: the poller hands the message back, and a later run starts the query afresh.
            throw;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            await extender.StopAsync();
            if (extender.ClaimLost)
            {
                // Another worker has it now and will record its end.
                return new Outcome(true, 0, 0);
            }
            await queries.RecordAsync(new QueryEvent(header.QueryId, QueryEventKind.Failed, _time.GetUtcNow(), failingSubQuery,
                PartitionId: header.LeafPartitionId, TaskId: TaskId, Reason: e.Message), CancellationToken.None);
            // Not retried: the same query of the same files fails the same way.
            await queue.DeleteAsync(message, CancellationToken.None);
            return new Outcome(true, 0, 0);
        }
    }

    /// <summary>
    /// The leaf sub-queries of a query against the table's current partitions, in key order of the leaves, recorded
    /// on the tracker as its split before any is sent.
    /// </summary>
    private async Task<IReadOnlyList<QueryMessage>> SplitAsync(SleeperTable table, QueryMessage query, CancellationToken cancellationToken)
    {
        var state = await table.StateStore.GetStateAsync(cancellationToken);
        var leaves = state.PartitionTree().Leaves
            .Select(leaf => (Leaf: leaf, Regions: query.Request.Regions
                .Where(r => !r.IsEmpty() && r.Overlaps(leaf.Region))
                .Select(r => RegionIntersection.Intersect(r, leaf.Region))
                .Where(r => !r.IsEmpty()).ToList()))
            .Where(x => x.Regions.Count > 0)
            .OrderBy(x => x.Leaf.Region, LeafOrder.Instance)
            .ToList();
        var subQueries = leaves.Select(x => query with
        {
            SubQueryId = SubQueryId(x.Leaf.Id),
            LeafPartitionId = x.Leaf.Id,
            TraceParent = SleeperTelemetry.CurrentTraceParent() ?? query.TraceParent,
            Request = query.Request with { Regions = x.Regions },
        }).ToList();
        await queries.RecordAsync(new QueryEvent(query.QueryId, QueryEventKind.Split, _time.GetUtcNow(), TaskId: TaskId,
            SubQueries: subQueries.Select(s => new SubQueryRef(s.SubQueryId!, s.LeafPartitionId!)).ToList()), cancellationToken);
        return subQueries;
    }

    private async Task<SubQueryResult> RunSubQueryAsync(SleeperTable table, QueryMessage sub, CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        var executor = new QueryExecutor(table, _time, iteratorLoader);
        var fields = executor.OutputFields(sub.Request.OutputFieldNames(table.Schema));
        var batches = executor.RunAsync(sub.Request, cancellationToken);
        long rows = 0;
        string? file = null;
        if (sub.Destination == QueryDestination.Discard)
        {
            await foreach (var batch in batches)
            {
                rows += batch.Length;
                batch.Dispose();
            }
        }
        else
        {
            file = QueryDestinations.ResultsFile(sub.QueryId, sub.SubQueryId!);
            try
            {
                rows = await QueryResultsParquet.WriteAsync(results, file, fields, ParquetWriteSettings.From(table.Schema, table.Properties), batches, cancellationToken);
            }
            catch (ObjectAlreadyExistsException)
            {
                // Another run of this very sub-query (its message delivered twice) wrote the file between this run's
                // delete and its commit. The two answer the same query of the same region, so that file stands.
                rows = await CountRowsAsync(file, cancellationToken);
            }
        }
        await queries.RecordAsync(new QueryEvent(sub.QueryId, QueryEventKind.Completed, _time.GetUtcNow(), sub.SubQueryId,
            PartitionId: sub.LeafPartitionId, TaskId: TaskId, Rows: rows, ResultsFile: file), cancellationToken);
        return new SubQueryResult(sub.QueryId, sub.SubQueryId!, table.Name, rows, file, watch.Elapsed);
    }

    private async Task<long> CountRowsAsync(string file, CancellationToken cancellationToken)
    {
        long rows = 0;
        await foreach (var batch in QueryResultsParquet.ReadAsync(results, file, cancellationToken))
        {
            rows += batch.Length;
            batch.Dispose();
        }
        return rows;
    }

    /// <summary>
    /// A sub-query's id comes from its leaf, so a parent split twice (its worker died after splitting) names the same
    /// sub-queries again; partition ids are names of files' folders already, but are hashed when they hold anything else.
    /// </summary>
    internal static string SubQueryId(string partitionId) =>
        partitionId.Length <= 64 && partitionId.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_')
            ? partitionId
            : "p" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(partitionId)))[..24];

    /// <summary>Leaves by their lowest key, dimension by dimension: key order when they are split on the first row key.</summary>
    private sealed class LeafOrder : IComparer<Region>
    {
        public static readonly LeafOrder Instance = new();

        public int Compare(Region? x, Region? y)
        {
            for (var d = 0; d < x!.Ranges.Count; d++)
            {
                var c = KeyValues.Compare(x[d].Field.PrimitiveType, x[d].Min, y![d].Min);
                if (c != 0)
                {
                    return c;
                }
            }
            return 0;
        }
    }
}
