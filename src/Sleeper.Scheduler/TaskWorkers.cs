using Sleeper.BulkImport;
using Sleeper.Compaction;
using Sleeper.Core.Ingest;
using Sleeper.Core.Iterators;
using Sleeper.Core.Jobs;
using Sleeper.Core.Properties;
using Sleeper.Core.Tables;
using Sleeper.Ingest;
using Sleeper.Instance;
using Sleeper.Query;

namespace Sleeper.Scheduler;

/// <summary>
/// Runs one task worker of a kind over the instance, as <c>sleeper worker KIND</c> does, until its queue has had
/// nothing for it for the idle timeout or it is cancelled. A cancelled worker hands its message back to the queue
/// at once (see QueuePoller), so a job interrupted by shutdown is released, not lost: its visibility ends now rather
/// than at the timeout, and the next worker, here or elsewhere, runs it from the start.
/// </summary>
public static class TaskWorkers
{
    /// <summary>The number of jobs (or sub-queries) the worker ran.</summary>
    public static async Task<int> RunAsync(SleeperInstance instance, TaskWorkerKind kind, TimeSpan idleTimeout, CancellationToken cancellationToken) => kind switch
    {
        TaskWorkerKind.Compaction => (await Compaction(instance).RunAsync(idleTimeout, cancellationToken: cancellationToken)).JobsRun,
        TaskWorkerKind.Ingest => (await Ingest(instance).RunAsync(idleTimeout, cancellationToken: cancellationToken)).JobsRun,
        TaskWorkerKind.BulkImport => (await BulkImport(instance).RunAsync(idleTimeout, cancellationToken: cancellationToken)).JobsRun,
        TaskWorkerKind.Query => (await Query(instance).RunAsync(idleTimeout, cancellationToken: cancellationToken)).SubQueriesRun,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    // One place builds each kind of worker over an instance, for the scheduler's task workers and for
    // `sleeper worker KIND` alike, so the two cannot drift apart.

    /// <summary>A compaction worker on the instance's compaction queue, with the instance's iterators.</summary>
    public static CompactionWorker Compaction(SleeperInstance instance) =>
        new(instance.Queue(QueueNames.Compaction), instance.CompactionTracker, (id, ct) => instance.OpenTableByIdAsync(id, ct),
            new CompactionTask(instance.Time, IteratorLoader.FromInstanceProperties(instance.Properties)), instance.Time);

    /// <summary>An ingest worker on the instance's ingest queue, reading inputs from local files or S3.</summary>
    public static IngestWorker Ingest(SleeperInstance instance) =>
        new(instance.Queue(QueueNames.Ingest), instance.IngestTracker, (job, ct) => OpenIngestTableAsync(instance, job, ct), instance.Time)
        {
            ScratchFolder = instance.Properties.Get(InstanceProperty.IngestScratchFolder),
            InputFiles = instance.InputFiles,
        };

    /// <summary>A bulk import worker on the instance's bulk import queue; its jobs need an online table.</summary>
    public static BulkImportWorker BulkImport(SleeperInstance instance) =>
        new(instance.Queue(QueueNames.BulkImport), instance.BulkImportTracker,
            (job, ct) => job.TableId is { } id ? instance.OpenTableByIdAsync(id, ct) : instance.OpenTableAsync(job.TableName!, requireOnline: true, ct),
            new BulkImportOptions { ScratchRoot = instance.Properties.Get(InstanceProperty.IngestScratchFolder) }, time: instance.Time)
        {
            InputFiles = instance.InputFiles,
        };

    /// <summary>A query worker on the instance's query queue, writing results to the instance's store.</summary>
    public static QueryWorker Query(SleeperInstance instance, IteratorLoader? loader = null) =>
        new(instance.Queue(QueueNames.Query), instance.QueryTracker, instance.QueryTaskTracker,
            (id, ct) => instance.OpenTableByIdAsync(id, ct), instance.Objects, instance.Time, loader ?? IteratorLoader.FromInstanceProperties(instance.Properties));

    /// <summary>By id when the job gives one, so a table renamed since the job was queued is still found.</summary>
    public static Task<SleeperTable> OpenIngestTableAsync(SleeperInstance instance, IngestJob job, CancellationToken cancellationToken) =>
        job.TableId is { } id ? instance.OpenTableByIdAsync(id, cancellationToken) : instance.OpenTableAsync(job.TableName!, cancellationToken: cancellationToken);
}
