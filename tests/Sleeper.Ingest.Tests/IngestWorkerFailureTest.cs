using Sleeper.TestSupport;
using Sleeper.Compaction;
using Sleeper.Core.Compaction;
using Sleeper.Core.Ingest;
using Sleeper.Core.Jobs;
using Sleeper.Core.Properties;
using Sleeper.Core.StateStore.Transactions;
using Sleeper.Core.Tracking;
using Sleeper.Ingest.Input;
using Sleeper.StateStore;
using Xunit;

namespace Sleeper.Ingest.Tests;

/// <summary>
/// The ingest worker when workers die or stall: at every point of a job's life, the job is retried by another
/// worker after the visibility timeout and its rows end up in the table exactly once.
/// </summary>
public sealed class IngestWorkerFailureTest
{
    private static readonly TimeSpan PastTheVisibilityTimeout = QueuedIngestTable.Visibility + TimeSpan.FromSeconds(1);

    [Fact]
    public async Task A_job_taken_by_a_worker_that_died_is_run_by_another_worker_after_the_visibility_timeout()
    {
        using var table = await QueuedIngestTable.CreateAsync();
        var job = await table.SubmitAsync(table.WriteJsonLines("rows.jsonl", 300));
        // The worker that dies: it takes the message and says it started, then is never heard from again.
        Assert.NotNull(await table.Queue.ReceiveAsync(QueuedIngestTable.Visibility));
        await table.Tracker.RecordAsync(new JobEvent(table.Table.Id, job.Id, JobEventKind.Started, table.Time.GetUtcNow(), "worker-that-died"));

        var meanwhile = await table.Worker().RunAsync(TimeSpan.Zero);
        Assert.Equal((0, 0), (meanwhile.JobsRun, meanwhile.JobsFailed));
        Assert.Empty(await table.RowsAsync());

        table.Time.Advance(PastTheVisibilityTimeout);
        var result = await table.Worker(taskId: "second").RunAsync(TimeSpan.Zero);

        Assert.Equal((1, 0), (result.JobsRun, result.JobsFailed));
        Assert.Equal(QueuedIngestTable.ExpectedRows(Enumerable.Range(0, 300)), await table.RowsAsync());
        Assert.Equal(new QueueDepth(0, 0, 0), await table.Queue.GetDepthAsync());
        var status = await table.StatusAsync(job);
        Assert.Equal(("committed", 2, "second"), (status.State, status.Attempts, status.TaskId));
    }

    [Theory]
    [InlineData(JobEventKind.Started)]
    [InlineData(JobEventKind.Finished)]
    public async Task A_worker_stopped_mid_job_leaves_the_table_as_it_was_and_hands_the_job_back_for_the_next_worker_at_once(JobEventKind stoppedAfter)
    {
        using var table = await QueuedIngestTable.CreateAsync();
        var before = await TableSnapshot.TakeAsync(table.Table);
        var job = await table.SubmitAsync(table.WriteJsonLines("rows.jsonl", 400), table.WriteCsv("more.csv", 100, start: 400));
        using var dying = new CancellationTokenSource();
        var tracker = new HookedJobTracker(table.Tracker)
        {
            AfterJobEvent = e => e.Kind == stoppedAfter ? dying.CancelAsync() : Task.CompletedTask,
        };

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => table.Worker(tracker: tracker).RunAsync(TimeSpan.Zero, cancellationToken: dying.Token));

        // Nothing committed, nothing left behind, and the job is visible again now, not after the visibility timeout.
        (await TableSnapshot.TakeAsync(table.Table)).AssertSameAs(before);
        Assert.Equal(new QueueDepth(1, 0, 0), await table.Queue.GetDepthAsync());
        Assert.Equal(stoppedAfter == JobEventKind.Finished,
            (await table.EventsAsync(job)).Any(e => e.Kind == JobEventKind.Finished && e.OutputFiles is { Count: > 0 }));

        var result = await table.Worker().RunAsync(TimeSpan.Zero);

        Assert.Equal((1, 0), (result.JobsRun, result.JobsFailed));
        Assert.Equal(QueuedIngestTable.ExpectedRows(Enumerable.Range(0, 500)), await table.RowsAsync());
        Assert.Equal(new QueueDepth(0, 0, 0), await table.Queue.GetDepthAsync());
        Assert.Equal("committed", (await table.StatusAsync(job)).State);
    }

    [Fact]
    public async Task A_worker_that_died_after_writing_its_files_but_before_committing_them_has_its_job_run_again_and_its_files_deleted()
    {
        using var table = await QueuedIngestTable.CreateAsync();
        var job = await table.SubmitAsync(table.WriteJsonLines("rows.jsonl", 250));
        var abandoned = await DieAfterWritingAsync(table, job, commit: false);
        Assert.Empty(await table.RowsAsync());
        Assert.All(abandoned, f => Assert.True(File.Exists(table.Table.LocalPathOf(f))));

        table.Time.Advance(PastTheVisibilityTimeout);
        var result = await table.Worker().RunAsync(TimeSpan.Zero);

        Assert.Equal((1, 0), (result.JobsRun, result.JobsFailed));
        Assert.Equal(QueuedIngestTable.ExpectedRows(Enumerable.Range(0, 250)), await table.RowsAsync());
        Assert.All(abandoned, f => Assert.False(File.Exists(table.Table.LocalPathOf(f)), $"The dead attempt's file {f} was left behind."));
        var events = await table.EventsAsync(job);
        Assert.Contains(events, e => e.Kind == JobEventKind.Failed && e.TaskId == "worker-that-died" && e.Reason!.Contains("died", StringComparison.Ordinal));
        Assert.Equal("committed", (await table.StatusAsync(job)).State);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_job_committed_by_a_worker_that_died_before_recording_it_is_not_ingested_again(bool compactedAndGarbageCollectedSince)
    {
        using var table = await QueuedIngestTable.CreateAsync(configure: p => p.Set(TableProperty.GcDelayMinutes.Name, "0"));
        var earlier = await table.SubmitAsync(table.WriteJsonLines("earlier.jsonl", 60, start: 1000));
        await table.Worker().RunAsync(TimeSpan.Zero);
        var job = await table.SubmitAsync(table.WriteJsonLines("rows.jsonl", 250));
        var committed = await DieAfterWritingAsync(table, job, commit: true);
        var expected = QueuedIngestTable.ExpectedRows([.. Enumerable.Range(0, 250), .. Enumerable.Range(1000, 60)]);
        Assert.Equal(expected, await table.RowsAsync());
        if (compactedAndGarbageCollectedSince)
        {
            foreach (var compaction in await new CompactionJobCreator(table.Table, table.Time).CreateJobsAsync(new ForcedCompactionStrategy()))
            {
                await new CompactionTask(table.Time).RunAsync(table.Table, compaction);
            }
            table.Time.Advance(TimeSpan.FromSeconds(1));
            await new GarbageCollector.GarbageCollector(table.Table, table.Time).RunAsync();
            var state = await table.Table.StateStore.GetStateAsync();
            Assert.All(committed, f => Assert.False(state.Files.ContainsKey(f) || File.Exists(table.Table.LocalPathOf(f)), $"{f} is still there."));
            Assert.Equal(expected, await table.RowsAsync());
        }

        table.Time.Advance(PastTheVisibilityTimeout);
        var result = await table.Worker().RunAsync(TimeSpan.Zero);

        Assert.Equal((0, 0), (result.JobsRun, result.JobsFailed));
        Assert.Equal(expected, await table.RowsAsync());
        Assert.Equal(new QueueDepth(0, 0, 0), await table.Queue.GetDepthAsync());
        var status = await table.StatusAsync(job);
        Assert.Equal("committed", status.State);
        Assert.Contains(await table.EventsAsync(job), e => e.Kind == JobEventKind.Committed && e.Reason!.Contains("recognised", StringComparison.Ordinal));
        Assert.Equal("committed", (await table.StatusAsync(earlier)).State);
    }

    [Fact]
    public async Task A_job_whose_commit_was_recorded_but_whose_message_was_never_deleted_is_not_ingested_again()
    {
        using var table = await QueuedIngestTable.CreateAsync();
        var job = await table.SubmitAsync(table.WriteJsonLines("rows.jsonl", 120));
        var first = await table.Worker(queue: new InterceptingQueue(table.Queue) { DropDeletes = true }).RunAsync(TimeSpan.Zero);
        Assert.Equal(1, first.JobsRun);
        Assert.Equal(new QueueDepth(0, 1, 0), await table.Queue.GetDepthAsync());

        table.Time.Advance(PastTheVisibilityTimeout);
        var second = await table.Worker().RunAsync(TimeSpan.Zero);

        Assert.Equal((0, 0), (second.JobsRun, second.JobsFailed));
        Assert.Equal(QueuedIngestTable.ExpectedRows(Enumerable.Range(0, 120)), await table.RowsAsync());
        Assert.Equal(new QueueDepth(0, 0, 0), await table.Queue.GetDepthAsync());
        Assert.Equal("committed", (await table.StatusAsync(job)).State);
    }

    [Fact]
    public async Task A_worker_that_stalls_past_its_visibility_timeout_and_is_taken_over_does_not_commit()
    {
        using var table = await QueuedIngestTable.CreateAsync();
        var before = await TableSnapshot.TakeAsync(table.Table);
        var job = await table.SubmitAsync(table.WriteJsonLines("rows.jsonl", 200));
        QueuedMessage? takenOver = null;
        var queue = new InterceptingQueue(table.Queue)
        {
            // Just before the stalled worker renews its claim to commit, its claim runs out and another worker takes the job.
            BeforeExtend = async _ =>
            {
                if (takenOver is null)
                {
                    table.Time.Advance(PastTheVisibilityTimeout);
                    takenOver = await table.Queue.ReceiveAsync(QueuedIngestTable.Visibility);
                }
            },
        };

        var stalled = await table.Worker(queue: queue).RunAsync(TimeSpan.Zero);

        Assert.NotNull(takenOver);
        Assert.Equal((0, 1), (stalled.JobsRun, stalled.JobsFailed));
        (await TableSnapshot.TakeAsync(table.Table)).AssertSameAs(before);
        Assert.Contains("taken over", (await table.StatusAsync(job)).FailureReason);

        // The worker that took over finishes the job (here: hands it straight to a third worker).
        await table.Queue.ReleaseAsync(takenOver);
        var result = await table.Worker().RunAsync(TimeSpan.Zero);
        Assert.Equal((1, 0), (result.JobsRun, result.JobsFailed));
        Assert.Equal(QueuedIngestTable.ExpectedRows(Enumerable.Range(0, 200)), await table.RowsAsync());
    }

    [Fact]
    public async Task A_job_delivered_to_two_workers_at_once_is_committed_by_only_one_of_them()
    {
        using var table = await QueuedIngestTable.CreateAsync();
        var job = await table.SubmitAsync(table.WriteJsonLines("rows.jsonl", 150));
        WorkerResultHolder? other = null;
        var queue = new InterceptingQueue(table.Queue)
        {
            // Just before this worker commits, the same job, delivered again, is run to the end by another worker;
            // this worker's renewal still reports success, so only the table can stop a second commit.
            PretendRenewed = true,
            BeforeExtend = async _ =>
            {
                if (other is null)
                {
                    table.Time.Advance(PastTheVisibilityTimeout);
                    other = new WorkerResultHolder(await table.Worker(taskId: "other").RunAsync(TimeSpan.Zero));
                }
            },
        };

        var result = await table.Worker(queue: queue, taskId: "late").RunAsync(TimeSpan.Zero);

        Assert.Equal((1, 0), (other!.Result.JobsRun, other.Result.JobsFailed));
        Assert.Equal((0, 0), (result.JobsRun, result.JobsFailed));
        Assert.Equal(QueuedIngestTable.ExpectedRows(Enumerable.Range(0, 150)), await table.RowsAsync());
        Assert.Equal("committed", (await table.StatusAsync(job)).State);
        // The late worker's files were never referenced, and are gone.
        var state = await table.Table.StateStore.GetStateAsync();
        var lateFiles = (await table.EventsAsync(job)).Where(e => e.TaskId == "late" && e.Kind == JobEventKind.Finished).SelectMany(e => e.OutputFiles!).ToList();
        Assert.NotEmpty(lateFiles);
        Assert.All(lateFiles, f => Assert.False(state.Files.ContainsKey(f) || File.Exists(table.Table.LocalPathOf(f)), $"{f} was left behind"));
    }

    private sealed record WorkerResultHolder(IngestWorkerResult Result);

    [Fact]
    public async Task A_long_job_keeps_its_claim_so_no_other_worker_takes_it_while_it_runs()
    {
        using var table = await QueuedIngestTable.CreateAsync();
        var job = await table.SubmitAsync(table.WriteJsonLines("rows.jsonl", 100));
        var queue = new InterceptingQueue(table.Queue);
        QueuedMessage? takenMeanwhile = null;
        var tracker = new HookedJobTracker(table.Tracker)
        {
            // While the job runs, twice its visibility timeout passes in half-timeout steps; after each step the
            // worker's claim is renewed, and at the end no other worker can take the job.
            AfterJobEvent = async e =>
            {
                if (e.Kind != JobEventKind.Started)
                {
                    return;
                }
                for (var step = 1; step <= 4; step++)
                {
                    table.Time.Advance(QueuedIngestTable.Visibility / 2 + TimeSpan.FromSeconds(1));
                    var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
                    while (queue.Extensions < step)
                    {
                        Assert.True(DateTime.UtcNow < deadline, $"The claim was not renewed after step {step}.");
                        await Task.Delay(10);
                    }
                }
                takenMeanwhile = await table.Queue.ReceiveAsync(QueuedIngestTable.Visibility);
            },
        };

        var result = await table.Worker(queue: queue, tracker: tracker).RunAsync(TimeSpan.Zero);

        Assert.Null(takenMeanwhile);
        Assert.Equal((1, 0), (result.JobsRun, result.JobsFailed));
        Assert.Equal(QueuedIngestTable.ExpectedRows(Enumerable.Range(0, 100)), await table.RowsAsync());
        Assert.Equal(("committed", 1), ((await table.StatusAsync(job)).State, (await table.StatusAsync(job)).Attempts));
    }

    [Fact]
    public async Task A_commit_that_goes_through_and_then_throws_keeps_its_files_and_counts_as_committed()
    {
        using var table = await QueuedIngestTable.CreateAsync();
        // A snapshot after every commit, and the one after the job's commit cannot be written (a folder is where it
        // would go), so the commit appends its transaction and then throws.
        table.Instance.Properties.Set(InstanceProperty.SnapshotEveryTransactions.Name, "1");
        var number = table.Table.StateStore.LastTransactionNumber + 1;
        var snapshots = Path.Combine(table.Table.LocalFolder(), "statestore", EmbeddedStateStores.SnapshotsFolder);
        Directory.CreateDirectory(Path.Combine(snapshots, $"snapshot-{number:D19}-{table.Time.GetUtcNow().ToUnixTimeMilliseconds()}.json"));
        var job = await table.SubmitAsync(table.WriteJsonLines("rows.jsonl", 150));

        var result = await table.Worker().RunAsync(TimeSpan.Zero);

        Assert.DoesNotContain(await new FileSnapshotStore(snapshots).ListSnapshotsAsync(), s => s.TransactionNumber == number);
        Assert.Equal((1, 0), (result.JobsRun, result.JobsFailed));
        Assert.Equal(QueuedIngestTable.ExpectedRows(Enumerable.Range(0, 150)), await table.RowsAsync());
        Assert.Equal("committed", (await table.StatusAsync(job)).State);
        Assert.Equal(new QueueDepth(0, 0, 0), await table.Queue.GetDepthAsync());
    }

    /// <summary>
    /// What a worker that dies at the chosen point leaves behind: it took the message, wrote the job's files and
    /// recorded them, and (with <paramref name="commit"/>) committed them; then nothing more. Returns the files.
    /// </summary>
    private static async Task<IReadOnlyList<string>> DieAfterWritingAsync(QueuedIngestTable table, IngestJob job, bool commit)
    {
        Assert.NotNull(await table.Queue.ReceiveAsync(QueuedIngestTable.Visibility));
        const string task = "worker-that-died";
        await table.Tracker.RecordAsync(new JobEvent(table.Table.Id, job.Id, JobEventKind.Started, table.Time.GetUtcNow(), task));
        var written = await new IngestRunner(table.Table).WriteAsync(IngestInputs.Resolve(job.Files, null));
        var files = written.References.Select(r => r.Filename).Distinct().ToList();
        Assert.NotEmpty(files);
        await table.Tracker.RecordAsync(new JobEvent(table.Table.Id, job.Id, JobEventKind.Finished, table.Time.GetUtcNow(), task,
            RowsRead: written.RowsWritten, RowsWritten: written.RowsWritten, OutputFiles: files));
        if (commit)
        {
            await table.Table.StateStore.CommitAsync(new AddFilesTransaction(written.References));
        }
        return files;
    }
}
