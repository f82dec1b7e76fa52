using Microsoft.Extensions.Logging;
using Sleeper.Compaction;
using Sleeper.Core.Compaction;
using Sleeper.Core.Jobs;
using Sleeper.Core.Properties;
using Sleeper.Core.Tables;
using Sleeper.Ingest.Batcher;
using Sleeper.Ingest.Spill;
using Sleeper.Instance;
using Sleeper.Splitter;

namespace Sleeper.Scheduler;

/// <summary>What one round of a trigger did over the instance's tables.</summary>
/// <param name="Tables">The online tables the round ran for (offline tables are skipped, as in Sleeper).</param>
/// <param name="Done">What the operation did, summed over those tables (jobs created, partitions split, files deleted, …).</param>
/// <param name="Failed">Tables whose round failed; the others still ran, and the next round tries again.</param>
public sealed record ScheduledRoundResult(ScheduledOperation Operation, IReadOnlyList<string> Tables, long Done, IReadOnlyList<string> Failed);

/// <summary>
/// One round of each scheduled operation over every online table, by the operations the CLI runs one at a time:
/// <see cref="CompactionJobDispatcher"/>, <see cref="PartitionSplitter"/>, the garbage collector, the state store's
/// snapshot and deletion of old transactions, and <see cref="IngestBatcherRunner"/>. Every one of them is already
/// safe to run in several processes at once: each commits through the state store (or the batcher's store) with
/// validation, so two schedulers racing for the same files see one win and the other plan again.
/// </summary>
public sealed class ScheduledWork(SleeperInstance instance, ILogger<ScheduledWork> logger)
{
    public async Task<ScheduledRoundResult> RunAsync(ScheduledOperation operation, CancellationToken cancellationToken = default)
    {
        var tables = await instance.OpenOnlineTablesAsync(cancellationToken);
        var done = 0L;
        var failed = new List<string>();
        foreach (var table in tables)
        {
            try
            {
                done += await RunAsync(operation, table, cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                // One table's failure must not starve the others of their round.
                failed.Add(table.Name);
                logger.LogError(e, "Scheduled {Operation} failed for table {Table}; the next round tries again", operation, table.Name);
            }
        }
        return new ScheduledRoundResult(operation, tables.Select(t => t.Name).ToList(), done, failed);
    }

    private async Task<long> RunAsync(ScheduledOperation operation, SleeperTable table, CancellationToken cancellationToken)
    {
        switch (operation)
        {
            case ScheduledOperation.CompactionJobCreation:
            {
                var dispatcher = new CompactionJobDispatcher(instance.Queue(QueueNames.Compaction), instance.CompactionTracker, instance.Time);
                var result = await dispatcher.CreateJobsAsync(table, CompactionStrategies.For(table.Properties), cancellationToken);
                if (result.Jobs.Count > 0 || result.Stranded.Count > 0)
                {
                    logger.LogInformation("Created {Jobs} compaction job(s) for table {Table}; found {Stranded} stranded, re-sent {Resent}, released {Released}",
                        result.Jobs.Count, table.Name, result.Stranded.Count, result.Resent, result.Released);
                }
                return result.Jobs.Count;
            }
            case ScheduledOperation.PartitionSplitting:
            {
                var round = await new PartitionSplitter(table, PartitionSplitter.OptionsFrom(instance.Properties, instance.Time)).RunRoundAsync(cancellationToken);
                var splits = round.Splits.Count();
                if (splits > 0)
                {
                    logger.LogInformation("Split {Splits} partition(s) of table {Table}", splits, table.Name);
                }
                return splits;
            }
            case ScheduledOperation.GarbageCollection:
            {
                var scratch = new LocalScratchSpace(instance.Properties.Get(InstanceProperty.IngestScratchFolder));
                var outcome = await new GarbageCollector.GarbageCollector(table, instance.Time, store: instance.Objects, scratch: scratch).RunAsync(cancellationToken);
                var deleted = outcome.FilesDeleted + outcome.OrphansDeleted;
                if (deleted > 0 || outcome.AbandonedWritesDeleted > 0)
                {
                    logger.LogInformation("Garbage collected {Files} file(s) and {Orphans} orphan(s) of table {Table}",
                        outcome.FilesDeleted, outcome.OrphansDeleted, table.Name);
                }
                return deleted;
            }
            case ScheduledOperation.StateStoreSnapshot:
            {
                var store = table.StateStore;
                // Writes nothing when a snapshot is already at the newest transaction, so a quiet table costs one read.
                var number = await store.CreateSnapshotAsync(cancellationToken);
                var minAge = TimeSpan.FromMinutes(instance.Properties.GetInt(InstanceProperty.DeleteBehindSnapshotMinAgeMinutes));
                var deletedUpTo = await store.DeleteOldTransactionsAsync(minAge, cancellationToken);
                logger.LogDebug("Table {Table} has a snapshot at transaction {Transaction}; transactions up to {DeletedUpTo} are deleted", table.Name, number, deletedUpTo);
                return number > 0 ? 1 : 0;
            }
            case ScheduledOperation.IngestBatcher:
            {
                var runner = new IngestBatcherRunner(instance.IngestBatcher, queue => instance.Queue(queue), instance.Time);
                var run = await runner.RunAsync(table.Id, table.Properties, cancellationToken: cancellationToken);
                foreach (var failure in run.Failed)
                {
                    logger.LogWarning(failure.Error, "Could not send ingest batcher job {JobId} of table {Table} to queue {Queue}; a later round sends it again",
                        failure.Job.JobId, table.Name, failure.Job.Queue);
                }
                if (run.Sent.Count > 0 || run.Resent.Count > 0)
                {
                    logger.LogInformation("Ingest batcher sent {Sent} job(s) and re-sent {Resent} for table {Table}", run.Sent.Count, run.Resent.Count, table.Name);
                }
                return run.Sent.Count + run.Resent.Count;
            }
            default:
                throw new ArgumentOutOfRangeException(nameof(operation), operation, null);
        }
    }
}
