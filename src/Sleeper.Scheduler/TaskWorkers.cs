using Sleeper.BulkImport;
using Sleeper.Compaction;
using Sleeper.Core.Iterators;
using Sleeper.Core.Jobs;
using Sleeper.Core.Properties;
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
    public static async Task<int> RunAsync(SleeperInstance instance, TaskWorkerKind kind, TimeSpan idleTimeout, CancellationToken cancellationToken)
    {
        var scratch = instance.Properties.Get(InstanceProperty.IngestScratchFolder);
        switch (kind)
        {
            case TaskWorkerKind.Compaction:
            {
                var worker = new CompactionWorker(instance.Queue(QueueNames.Compaction), instance.CompactionTracker,
                    (id, ct) => instance.OpenTableByIdAsync(id, ct),
                    new CompactionTask(instance.Time, IteratorLoader.FromInstanceProperties(instance.Properties)), instance.Time);
                return (await worker.RunAsync(idleTimeout, cancellationToken: cancellationToken)).JobsRun;
            }
            case TaskWorkerKind.Ingest:
            {
                var worker = new IngestWorker(instance.Queue(QueueNames.Ingest), instance.IngestTracker,
                    (job, ct) => job.TableId is { } id ? instance.OpenTableByIdAsync(id, ct) : instance.OpenTableAsync(job.TableName!, cancellationToken: ct), instance.Time)
                {
                    ScratchFolder = scratch,
                    InputFiles = instance.InputFiles,
                };
                return (await worker.RunAsync(idleTimeout, cancellationToken: cancellationToken)).JobsRun;
            }
            case TaskWorkerKind.BulkImport:
            {
                var worker = new BulkImportWorker(instance.Queue(QueueNames.BulkImport), instance.BulkImportTracker,
                    (job, ct) => job.TableId is { } id ? instance.OpenTableByIdAsync(id, ct) : instance.OpenTableAsync(job.TableName!, requireOnline: true, ct),
                    new BulkImportOptions { ScratchRoot = scratch }, time: instance.Time)
                {
                    InputFiles = instance.InputFiles,
                };
                return (await worker.RunAsync(idleTimeout, cancellationToken: cancellationToken)).JobsRun;
            }
            case TaskWorkerKind.Query:
            {
                var worker = new QueryWorker(instance.Queue(QueueNames.Query), instance.QueryTracker, instance.QueryTaskTracker,
                    (id, ct) => instance.OpenTableByIdAsync(id, ct), instance.Objects, instance.Time, IteratorLoader.FromInstanceProperties(instance.Properties));
                return (await worker.RunAsync(idleTimeout, cancellationToken: cancellationToken)).SubQueriesRun;
            }
            default:
                throw new ArgumentOutOfRangeException(nameof(kind), kind, null);
        }
    }
}
