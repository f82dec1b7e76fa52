using Sleeper.Core.Properties;
using Sleeper.Core.StateStore;
using Sleeper.Core.StateStore.Transactions;
using Sleeper.Core.Tracking;
using Sleeper.Instance;
using Sleeper.Postgres;
using Sleeper.StateStore;

namespace Sleeper.CrashHarness.Checks;

/// <summary>
/// No file was compacted twice: read from the table's whole transaction log, no file reference (a file in a
/// partition) is the input of two committed <c>ReplaceFileReferences</c>, and no job commits twice. The compaction
/// tracker's committed jobs are held against the log too: a job the tracker calls committed must be in it. The
/// trial must keep its log (<see cref="TableSetup.DeleteBehindSnapshotMinAgeMinutes"/> past the recovery's clock).
/// </summary>
public static class CompactedOnce
{
    public static async Task CheckAsync(Trial trial)
    {
        await using var instance = await trial.OpenInstanceAsync();
        var table = await instance.OpenTableAsync(Trial.TableName);
        var serDe = new StateStoreSerDe(table.Schema);
        var committedBy = new Dictionary<(string File, string Partition), List<string>>();
        var commitsOfJob = new Dictionary<string, int>(StringComparer.Ordinal);
        long first = 0, transactions = 0;
        await using var log = OpenLog(instance, table.Id);
        await foreach (var entry in log.Store.ReadTransactionsAfterAsync(0))
        {
            first = first == 0 ? entry.TransactionNumber : first;
            transactions++;
            if (serDe.Deserialize(entry.TransactionType, entry.Body) is not ReplaceFileReferencesTransaction replace)
            {
                continue;
            }
            foreach (var job in replace.Jobs)
            {
                commitsOfJob[job.JobId] = commitsOfJob.GetValueOrDefault(job.JobId) + 1;
                foreach (var input in job.InputFiles)
                {
                    if (!committedBy.TryGetValue((input, job.PartitionId), out var jobs))
                    {
                        committedBy[(input, job.PartitionId)] = jobs = [];
                    }
                    jobs.Add(job.JobId);
                }
            }
        }
        if (first != 1)
        {
            trial.AddViolation(new Violation(ViolationKind.BrokenState,
                $"the transaction log starts at {first}, not 1, so whether a file was compacted twice cannot be told (the scenario must keep its log)"));
            return;
        }
        foreach (var ((file, partition), jobs) in committedBy.Where(c => c.Value.Count > 1).Take(5))
        {
            trial.AddViolation(new Violation(ViolationKind.CompactedTwice,
                $"{file} in partition {partition} was the input of {jobs.Count} committed compaction jobs: {string.Join(", ", jobs)}"));
        }
        foreach (var (job, commits) in commitsOfJob.Where(c => c.Value > 1).Take(5))
        {
            trial.AddViolation(new Violation(ViolationKind.CompactedTwice, $"compaction job {job} committed {commits} times"));
        }
        var tracked = JobStatus.Fold(await instance.CompactionTracker.ReadJobEventsAsync(table.Id)).Where(j => j.State == "committed").Select(j => j.JobId).ToList();
        foreach (var job in tracked.Where(j => !commitsOfJob.ContainsKey(j)).Take(5))
        {
            trial.AddViolation(new Violation(ViolationKind.CompactedTwice, $"the compaction tracker says job {job} committed, but no ReplaceFileReferences in the log names it"));
        }
        trial.Count("compaction jobs committed", commitsOfJob.Count);
        trial.Count("file references compacted", committedBy.Count);
        trial.Note($"compacted once: {transactions} transactions read, {commitsOfJob.Count} compaction jobs committed over {committedBy.Count} input references; " +
            $"{tracked.Count} committed on the tracker");
    }

    /// <summary>The table's log through the port its instance uses: PostgreSQL or the files of the instance folder.</summary>
    private static OpenedLog OpenLog(SleeperInstance instance, string tableId)
    {
        if (string.Equals(instance.Properties.Get(InstanceProperty.StateStoreBackend), InstanceProperty.PostgresBackend, StringComparison.OrdinalIgnoreCase))
        {
            var database = new PostgresDatabase(instance.Properties.Get(InstanceProperty.PostgresUrl)!, instance.Properties.Get(InstanceProperty.PostgresSchema)!);
            return new OpenedLog(new PostgresTransactionLogStore(database, tableId), database);
        }
        return new OpenedLog(new FileTransactionLogStore(Path.Combine(instance.Root!, tableId, "statestore", EmbeddedStateStores.TransactionsFolder)), null);
    }

    private sealed record OpenedLog(ITransactionLogStore Store, PostgresDatabase? Database) : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => Database?.DisposeAsync() ?? ValueTask.CompletedTask;
    }
}
