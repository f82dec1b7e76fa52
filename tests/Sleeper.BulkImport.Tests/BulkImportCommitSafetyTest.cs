using Sleeper.TestSupport;
using Microsoft.Extensions.Time.Testing;
using Sleeper.Core.Ingest;
using Sleeper.Core.Jobs;
using Sleeper.Core.StateStore;
using Sleeper.Core.Tables;
using Sleeper.Core.Tracking;
using Sleeper.Ingest.Input;
using Sleeper.Jobs;
using Sleeper.Parquet;
using Sleeper.StateStore;

namespace Sleeper.BulkImport.Tests;

/// <summary>
/// A bulk import that fails around its commit never leaves references to deleted files, and two attempts at one
/// queued job never both commit.
/// </summary>
public sealed class BulkImportCommitSafetyTest : IDisposable
{
    private static readonly TimeSpan Visibility = TimeSpan.FromMinutes(2);
    private readonly TestTable _t = new();

    public void Dispose() => _t.Dispose();

    private BulkImportOptions Options => new() { ScratchRoot = _t.Scratch };

    /// <summary>The same table over the same folders, with its state store's log and snapshots behind fault injectors.</summary>
    private static (SleeperTable Table, FaultInjectingTransactionLogStore Log, FaultInjectingSnapshotStore Snapshots) WithFaults(
        SleeperTable table, Func<FaultInjectingTransactionLogStore> log, TransactionLogStateStoreOptions options)
    {
        var folder = Path.Combine(table.LocalFolder(), "statestore");
        var faultyLog = log();
        var snapshots = new FaultInjectingSnapshotStore(new FileSnapshotStore(Path.Combine(folder, EmbeddedStateStores.SnapshotsFolder)));
        var store = new TransactionLogStateStore(table.Schema, faultyLog, snapshots, options: options);
        return (new SleeperTable(table.Status, table.Schema, table.Properties, store, table.Objects), faultyLog, snapshots);
    }

    private static FileTransactionLogStore LogOf(SleeperTable table) =>
        new(Path.Combine(table.LocalFolder(), "statestore", EmbeddedStateStores.TransactionsFolder));

    /// <summary>Every file the table references exists, with its sketches.</summary>
    private static async Task AssertNoDanglingReferencesAsync(SleeperTable table)
    {
        var state = await EmbeddedStateStores.Open(Path.Combine(table.LocalFolder(), "statestore"), table.Schema).GetStateAsync();
        Assert.NotEmpty(state.Files);
        Assert.All(state.Files.Keys, f =>
        {
            Assert.True(File.Exists(table.LocalPathOf(f)), $"{f} is referenced but was deleted");
            Assert.True(File.Exists(SketchesFile.PathFor(table.LocalPathOf(f))), $"the sketches of {f} are referenced but were deleted");
        });
    }

    [Fact]
    public async Task An_import_whose_commit_is_followed_by_a_failed_snapshot_keeps_its_committed_files()
    {
        var table = await _t.CreateAsync(minLeafPartitions: 1);
        var rows = TestTable.Rows(800, seed: 21);
        var (faulty, _, snapshots) = WithFaults(table, () => FaultInjectingTransactionLogStore.Script(LogOf(table)),
            new TransactionLogStateStoreOptions { SnapshotEveryTransactions = 1 });
        snapshots.FailSave = _ => true;

        await new BulkImportRunner(faulty, Options).ImportAsync(IngestInputs.Resolve([_t.WriteParquet("a.parquet", rows)], null));

        Assert.True(snapshots.FaultsInjected > 0);
        await AssertNoDanglingReferencesAsync(table);
        Assert.Equal(TestTable.Sorted(rows), TestTable.Sorted(await TestTable.ReadBackAsync(table)));
    }

    [Fact]
    public async Task An_import_whose_commit_outcome_is_unknown_keeps_its_files()
    {
        var table = await _t.CreateAsync(minLeafPartitions: 1);
        var rows = TestTable.Rows(800, seed: 22);
        // The append is written, its answer is lost, and the log cannot be read back to tell.
        var (faulty, log, _) = WithFaults(table, () => FaultInjectingTransactionLogStore.Script(LogOf(table), AppendFault.FailAfterWriting),
            new TransactionLogStateStoreOptions { SnapshotEveryTransactions = 0, FirstRetryDelay = TimeSpan.Zero, MaxRetryDelay = TimeSpan.Zero });
        log.FailRead = _ => log.FailedAfterWriting > 0;

        await Assert.ThrowsAsync<CommitOutcomeUnknownException>(() =>
            new BulkImportRunner(faulty, Options).ImportAsync(IngestInputs.Resolve([_t.WriteParquet("a.parquet", rows)], null)));

        await AssertNoDanglingReferencesAsync(table);
        Assert.Equal(TestTable.Sorted(rows), TestTable.Sorted(await TestTable.ReadBackAsync(table)));
    }

    [Fact]
    public async Task An_import_whose_append_was_written_but_reported_as_failed_returns_as_committed()
    {
        var table = await _t.CreateAsync(minLeafPartitions: 1);
        var rows = TestTable.Rows(800, seed: 23);
        var (faulty, log, _) = WithFaults(table, () => FaultInjectingTransactionLogStore.Script(LogOf(table), AppendFault.FailAfterWriting),
            new TransactionLogStateStoreOptions { SnapshotEveryTransactions = 0 });

        var result = await new BulkImportRunner(faulty, Options).ImportAsync(IngestInputs.Resolve([_t.WriteParquet("a.parquet", rows)], null));

        Assert.Equal(1, log.FailedAfterWriting);
        Assert.Equal(rows.Count, result.RowsWritten);
        await AssertNoDanglingReferencesAsync(table);
        Assert.Equal(TestTable.Sorted(rows), TestTable.Sorted(await TestTable.ReadBackAsync(table)));
    }

    [Fact]
    public async Task Two_attempts_at_one_queued_job_cannot_both_commit()
    {
        var table = await _t.CreateAsync(minLeafPartitions: 2);
        var rows = TestTable.Rows(1500, seed: 24);
        var file = _t.WriteParquet("a.parquet", rows);
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var queue = FileJobQueue.InInstance(_t.Instance.Root!, QueueNames.BulkImport, timeProvider: time);
        await queue.SendAsync(IngestJobSerDe.ToJson(new BulkImportJob("job-1", "t", null, [file])));
        var stalled = new StallingJobQueue(queue);
        BulkImportWorkerResult? second = null;
        // Once the first worker has started the job, it stalls past its visibility timeout: its claim runs out and a
        // second worker takes the job and runs it to the end. Then the first wakes up and carries on.
        var tracker = new HookedJobTracker(_t.Instance.BulkImportTracker)
        {
            AfterJobEvent = async e =>
            {
                if (e.Kind == JobEventKind.Started && second is null)
                {
                    time.Advance(Visibility * 2);
                    second = await Worker(queue, _t.Instance.BulkImportTracker, time).RunAsync(TimeSpan.Zero);
                    stalled.WakeUp();
                }
            },
        };

        var first = await Worker(stalled, tracker, time).RunAsync(TimeSpan.Zero);

        Assert.Equal(1, second!.JobsRun);
        Assert.Equal(0, first.JobsRun);
        Assert.Equal(TestTable.Sorted(rows), TestTable.Sorted(await TestTable.ReadBackAsync(table)));
        await AssertNoDanglingReferencesAsync(table);
        Assert.Equal(new QueueDepth(0, 0, 0), await queue.GetDepthAsync());
    }

    [Fact]
    public async Task A_worker_that_lost_its_claim_does_not_commit()
    {
        var table = await _t.CreateAsync(minLeafPartitions: 2);
        var rows = TestTable.Rows(1500, seed: 25);
        var file = _t.WriteParquet("a.parquet", rows);
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var queue = FileJobQueue.InInstance(_t.Instance.Root!, QueueNames.BulkImport, timeProvider: time);
        await queue.SendAsync(IngestJobSerDe.ToJson(new BulkImportJob("job-2", "t", null, [file])));
        var stalled = new StallingJobQueue(queue);
        QueuedMessage? takenOver = null;
        // The first worker stalls past its visibility timeout and another worker takes the job (but has not yet run it).
        var tracker = new HookedJobTracker(_t.Instance.BulkImportTracker)
        {
            AfterJobEvent = async e =>
            {
                if (e.Kind == JobEventKind.Started && takenOver is null)
                {
                    time.Advance(Visibility * 2);
                    takenOver = await queue.ReceiveAsync(Visibility);
                    stalled.WakeUp();
                }
            },
        };

        var first = await Worker(stalled, tracker, time).RunAsync(TimeSpan.Zero);

        Assert.NotNull(takenOver);
        Assert.Equal((0, 1), (first.JobsRun, first.JobsFailed));
        Assert.Empty((await table.StateStore.GetStateAsync()).Files);
        Assert.Empty(TestTable.DataFilesOnDisk(table));
        var events = await _t.Instance.BulkImportTracker.ReadJobEventsAsync(table.Id);
        Assert.Contains(events, e => e.Kind == JobEventKind.Failed && e.Reason!.Contains("claim", StringComparison.Ordinal));
        // The worker that took over runs the job (here: hands it straight to a third worker) and commits it once.
        await queue.ReleaseAsync(takenOver!);
        var third = await Worker(queue, _t.Instance.BulkImportTracker, time).RunAsync(TimeSpan.Zero);
        Assert.Equal(1, third.JobsRun);
        Assert.Equal(TestTable.Sorted(rows), TestTable.Sorted(await TestTable.ReadBackAsync(table)));
    }

    private BulkImportWorker Worker(IJobQueue queue, IJobTracker tracker, TimeProvider time) =>
        new(queue, tracker, (job, ct) => _t.Instance.OpenTableAsync(job.TableName!, cancellationToken: ct), Options, time)
        {
            VisibilityTimeout = Visibility,
            PollInterval = TimeSpan.Zero,
        };
}
