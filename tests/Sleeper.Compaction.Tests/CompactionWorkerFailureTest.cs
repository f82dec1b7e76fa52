using Sleeper.TestSupport;
using Sleeper.Core;
using Sleeper.Core.Compaction;
using Sleeper.Core.Jobs;
using Sleeper.Core.Properties;
using Sleeper.Core.Tracking;
using Xunit;
using Xunit.Abstractions;

namespace Sleeper.Compaction.Tests;

/// <summary>
/// The compaction worker when things go wrong: a worker that dies holding a job, a job that can never
/// succeed, and a job whose commit went through but whose message was never deleted. Through all of them the
/// table's rows stay exactly as they were.
/// </summary>
public sealed class CompactionWorkerFailureTest(ITestOutputHelper output)
{
    private static readonly TimeSpan ShortVisibility = TimeSpan.FromSeconds(1);

    private static async Task<TestTable> TableWithFilesAsync(int files, int rowsPerFile, int seed)
    {
        var table = await TestTable.CreateAsync(configure: p => p.Set(TableProperty.GcDelayMinutes.Name, "0"));
        var random = new Random(seed);
        for (var f = 0; f < files; f++)
        {
            await table.IngestAsync(Enumerable.Range(0, rowsPerFile).Select(_ => new Row([
                new string(Enumerable.Range(0, 4).Select(_ => (char)random.Next('a', 'z' + 1)).ToArray()),
                random.NextInt64(0, 1000),
                $"v{random.Next()}"])));
        }
        return table;
    }

    private static async Task WaitUntilVisibleAsync(IJobQueue queue)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while ((await queue.GetDepthAsync()).Visible == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "The abandoned job never became visible again.");
            await Task.Delay(100);
        }
    }

    private static Task RecordStartedAsync(TestTable table, CompactionJob job, string taskId) =>
        table.Instance.CompactionTracker.RecordAsync(new JobEvent(job.TableId, job.JobId, JobEventKind.Started, DateTimeOffset.UtcNow, taskId, job.PartitionId));

    private static async Task AssertCompactedIntoOutputAsync(TestTable table, CompactionJob job)
    {
        var reference = Assert.Single(await table.ReferencesAsync());
        Assert.Equal(job.OutputFile, reference.Filename);
        Assert.Null(reference.JobId);
    }

    [Fact]
    public async Task A_job_abandoned_by_a_worker_that_died_is_run_by_another_worker_after_the_visibility_timeout()
    {
        using var table = await TableWithFilesAsync(3, 200, 1);
        var before = await CompactionModel.ContentsAsync(table.Table);
        var queue = QueuedCompaction.Queue(table.Instance);
        var job = Assert.Single(await QueuedCompaction.CreateAndSendAsync(table.Instance, table.Table, queue, new ForcedCompactionStrategy()));

        // The worker that dies: it takes the message and says it started, then is never heard from again.
        var claimed = System.Diagnostics.Stopwatch.StartNew();
        var taken = await queue.ReceiveAsync(ShortVisibility);
        Assert.NotNull(taken);
        await RecordStartedAsync(table, job, "worker-that-died");

        // While its claim lasts no other worker sees the job, and the table is untouched. (On a machine so busy
        // that the claim ran out meanwhile, this worker rightly takes the job itself.)
        var meanwhile = await QueuedCompaction.Worker(table.Instance, queue, ShortVisibility).RunAsync(TimeSpan.Zero);
        if (claimed.Elapsed < ShortVisibility)
        {
            Assert.Equal(0, meanwhile.JobsRun + meanwhile.JobsFailed);
            Assert.Equal(before, await CompactionModel.ContentsAsync(table.Table));
            Assert.All(await table.ReferencesAsync(), r => Assert.Equal(job.JobId, r.JobId));
        }
        if (meanwhile.JobsRun == 0)
        {
            await WaitUntilVisibleAsync(queue);
        }
        var result = await QueuedCompaction.Worker(table.Instance, queue, ShortVisibility).RunAsync(TimeSpan.Zero);

        Assert.Equal(1, result.JobsRun + meanwhile.JobsRun);
        Assert.Equal(0, result.JobsFailed + meanwhile.JobsFailed);
        Assert.Equal(before, await CompactionModel.ContentsAsync(table.Table));
        await AssertCompactedIntoOutputAsync(table, job);
        Assert.Equal(new QueueDepth(0, 0, 0), await queue.GetDepthAsync());
        var status = await QueuedCompaction.StatusAsync(table.Instance, job);
        Assert.Equal("committed", status.State);
        Assert.True(status.Attempts >= 2, $"Expected at least two attempts, saw {status.Attempts}.");
        Assert.Equal(meanwhile.JobsRun == 0 ? result.TaskId : meanwhile.TaskId, status.TaskId);
    }

    [Fact]
    public async Task A_job_cancelled_mid_merge_and_never_released_is_finished_by_another_worker_after_the_visibility_timeout()
    {
        using var table = await TableWithFilesAsync(3, 30_000, 2);
        var before = await CompactionModel.ContentsAsync(table.Table);
        var queue = QueuedCompaction.Queue(table.Instance);
        var job = Assert.Single(await QueuedCompaction.CreateAndSendAsync(table.Instance, table.Table, queue, new ForcedCompactionStrategy()));

        var taken = await queue.ReceiveAsync(ShortVisibility);
        Assert.NotNull(taken);
        await RecordStartedAsync(table, job, "worker-that-died");
        using (var dying = new CancellationTokenSource())
        {
            dying.CancelAfter(TimeSpan.FromMilliseconds(40));
            try
            {
                await new CompactionTask().RunAsync(table.Table, job, dying.Token);
                // On a fast machine the job may win the race and commit: the next worker must then see it is done.
                output.WriteLine("The first attempt committed before it was cancelled.");
            }
            catch (OperationCanceledException)
            {
                output.WriteLine("The first attempt was cancelled mid-job.");
                Assert.All(await table.ReferencesAsync(), r => Assert.Equal(job.JobId, r.JobId));
                Assert.False(File.Exists(table.Table.LocalPathOf(job.OutputFile)), "A cancelled job left its output behind.");
                Assert.DoesNotContain(table.DataFiles(), f => f.Contains(Path.GetFileNameWithoutExtension(job.OutputFile), StringComparison.Ordinal));
            }
        }
        Assert.Equal(before, await CompactionModel.ContentsAsync(table.Table));

        await WaitUntilVisibleAsync(queue);
        var result = await QueuedCompaction.Worker(table.Instance, queue, ShortVisibility).RunAsync(TimeSpan.Zero);

        Assert.Equal(0, result.JobsFailed);
        Assert.Equal(before, await CompactionModel.ContentsAsync(table.Table));
        await AssertCompactedIntoOutputAsync(table, job);
        Assert.Equal(new QueueDepth(0, 0, 0), await queue.GetDepthAsync());
        var status = await QueuedCompaction.StatusAsync(table.Instance, job);
        Assert.Equal("committed", status.State);
        Assert.True(status.Attempts >= 2, $"Expected at least two attempts, saw {status.Attempts}.");
    }

    [Fact]
    public async Task A_job_that_always_fails_is_retried_then_dead_lettered_and_its_files_are_released_for_a_later_job()
    {
        using var table = await TableWithFilesAsync(3, 200, 3);
        var before = await CompactionModel.ContentsAsync(table.Table);
        var queue = QueuedCompaction.Queue(table.Instance, maxReceiveCount: 2);
        var job = Assert.Single(await QueuedCompaction.CreateAndSendAsync(table.Instance, table.Table, queue, new ForcedCompactionStrategy()));
        // One input goes missing from disk, so no attempt can read it.
        var missing = table.Table.LocalPathOf(job.InputFiles[1]);
        File.Move(missing, missing + ".aside");

        var result = await QueuedCompaction.Worker(table.Instance, queue).RunAsync(TimeSpan.Zero);

        Assert.Equal(0, result.JobsRun);
        Assert.Equal(2, result.JobsFailed);
        Assert.Equal(new QueueDepth(0, 0, 1), await queue.GetDepthAsync());
        Assert.Equal(job, CompactionJobSerDe.FromJson(Assert.Single(await queue.GetDeadLettersAsync()).Body), new JobComparer());
        Assert.All(await table.ReferencesAsync(), r => Assert.Null(r.JobId));
        Assert.False(File.Exists(table.Table.LocalPathOf(job.OutputFile)), "A failed job left its output behind.");
        var status = await QueuedCompaction.StatusAsync(table.Instance, job);
        Assert.Equal("failed", status.State);
        Assert.Equal(2, status.Attempts);
        Assert.Contains("dead-lettered", status.FailureReason, StringComparison.Ordinal);
        Assert.Equal(1, result.JobsDeadLettered);
        var events = (await table.Instance.CompactionTracker.ReadJobEventsAsync(job.TableId)).Where(e => e.JobId == job.JobId).ToList();
        var failures = events.Where(e => e.Kind == JobEventKind.Failed).ToList();
        Assert.Equal(2, failures.Count);
        Assert.All(failures, f => Assert.False(string.IsNullOrWhiteSpace(f.Reason)));
        // Found by the worker's sweep when its queue ran dry, not told by the queue.
        var dead = Assert.Single(events, e => e.Kind == JobEventKind.DeadLettered);
        Assert.Equal((result.TaskId, job.PartitionId), (dead.TaskId, dead.PartitionId));
        Assert.StartsWith("dead-lettered after 2 attempts; none of its input files is assigned to it any more", dead.Reason, StringComparison.Ordinal);
        Assert.Contains($"last failure: {failures[^1].Reason}", dead.Reason, StringComparison.Ordinal);

        // Once the file is back the table reads as before, and a later job takes the released files.
        File.Move(missing + ".aside", missing);
        Assert.Equal(before, await CompactionModel.ContentsAsync(table.Table));
        var later = Assert.Single(await QueuedCompaction.CreateAndSendAsync(table.Instance, table.Table, queue, new ForcedCompactionStrategy()));
        Assert.Equal(job.InputFiles.Order(StringComparer.Ordinal), later.InputFiles.Order(StringComparer.Ordinal));
        var retried = await QueuedCompaction.Worker(table.Instance, queue).RunAsync(TimeSpan.Zero);
        Assert.Equal(1, retried.JobsRun);
        Assert.Equal(0, retried.JobsFailed);
        Assert.Equal(before, await CompactionModel.ContentsAsync(table.Table));
        await AssertCompactedIntoOutputAsync(table, later);
    }

    [Fact]
    public async Task A_job_committed_by_an_attempt_that_died_before_deleting_its_message_is_recognised_as_done()
    {
        using var table = await TableWithFilesAsync(3, 200, 4);
        var before = await CompactionModel.ContentsAsync(table.Table);
        var queue = QueuedCompaction.Queue(table.Instance);
        var job = Assert.Single(await new CompactionJobCreator(table.Table).CreateJobsAsync(new ForcedCompactionStrategy()));
        var committed = await new CompactionTask().RunAsync(table.Table, job);
        // Its inputs may even be garbage collected before the message comes round again.
        await new GarbageCollector.GarbageCollector(table.Table).RunAsync();
        await queue.SendAsync(CompactionJobSerDe.ToJson(job));

        var result = await QueuedCompaction.Worker(table.Instance, queue).RunAsync(TimeSpan.Zero);

        Assert.Equal(0, result.JobsFailed);
        Assert.Equal(new QueueDepth(0, 0, 0), await queue.GetDepthAsync());
        Assert.Equal(before, await CompactionModel.ContentsAsync(table.Table));
        await AssertCompactedIntoOutputAsync(table, job);
        Assert.Equal(committed.RowsWritten, (await table.ReadFileAsync(job.OutputFile)).Count);
        Assert.Equal("committed", (await QueuedCompaction.StatusAsync(table.Instance, job)).State);
    }

    [Fact]
    public async Task A_worker_that_lost_its_claim_on_a_job_does_not_commit_it()
    {
        using var table = await TableWithFilesAsync(3, 2_000, 7);
        var before = await CompactionModel.ContentsAsync(table.Table);
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow);
        var visibility = TimeSpan.FromMinutes(2);
        var queue = QueuedCompaction.Queue(table.Instance, time: time);
        var job = Assert.Single(await QueuedCompaction.CreateAndSendAsync(table.Instance, table.Table, queue, new ForcedCompactionStrategy()));
        var stalled = new StallingJobQueue(queue);
        QueuedMessage? takenOver = null;
        // Once it has started, the worker stalls past its visibility timeout and another worker takes the job.
        var tracker = new HookedJobTracker(table.Instance.CompactionTracker)
        {
            AfterJobEvent = async e =>
            {
                if (e.Kind == JobEventKind.Started && takenOver is null)
                {
                    time.Advance(visibility * 2);
                    takenOver = await queue.ReceiveAsync(visibility);
                    stalled.WakeUp();
                }
            },
        };
        var worker = new CompactionWorker(stalled, tracker, (id, ct) => table.Instance.OpenTableByIdAsync(id, ct), new CompactionTask(table.Instance.Time), time)
        {
            VisibilityTimeout = visibility,
            PollInterval = TimeSpan.Zero,
        };

        var result = await worker.RunAsync(TimeSpan.Zero);

        Assert.NotNull(takenOver);
        Assert.Equal((0, 1), (result.JobsRun, result.JobsFailed));
        // The job's inputs are still the table's files, still assigned to the job for the worker that has it now.
        Assert.Equal(job.InputFiles.Order(StringComparer.Ordinal), (await table.ReferencesAsync()).Select(r => r.Filename).Order(StringComparer.Ordinal));
        Assert.All(await table.ReferencesAsync(), r => Assert.Equal(job.JobId, r.JobId));
        Assert.Equal(before, await CompactionModel.ContentsAsync(table.Table));
        Assert.Contains("claim", (await QueuedCompaction.StatusAsync(table.Instance, job)).FailureReason, StringComparison.Ordinal);
        // Nothing was put in place under the job's output name for the worker that has the job now to trip over.
        Assert.False(File.Exists(table.Table.LocalPathOf(job.OutputFile)));
    }

    [Fact]
    public async Task Two_attempts_of_one_job_running_at_once_commit_it_once_and_keep_its_output()
    {
        // As when a worker stalls past its visibility timeout and another takes the job while it still runs.
        using var table = await TableWithFilesAsync(3, 20_000, 6);
        var before = await CompactionModel.ContentsAsync(table.Table);
        var job = Assert.Single(await new CompactionJobCreator(table.Table).CreateJobsAsync(new ForcedCompactionStrategy()));
        var other = await table.Instance.OpenTableAsync(table.Table.Name);

        var attempts = await Task.WhenAll(
            Task.Run(() => Outcome(new CompactionTask().RunAsync(table.Table, job))),
            Task.Run(() => Outcome(new CompactionTask().RunAsync(other, job))));

        output.WriteLine(string.Join("; ", attempts.Select(a => a.Error?.Message ?? $"committed {a.Result!.RowsWritten} rows")));
        Assert.Single(attempts, a => a.Result is not null);
        await AssertCompactedIntoOutputAsync(table, job);
        Assert.True(File.Exists(table.Table.LocalPathOf(job.OutputFile)), "The committed output is gone from disk.");
        Assert.Equal(before, await CompactionModel.ContentsAsync(table.Table));
    }

    [Fact]
    public async Task A_job_killed_after_its_output_was_in_place_but_before_its_commit_succeeds_when_retried_and_leaves_no_leftover()
    {
        using var table = await TableWithFilesAsync(3, 200, 7);
        var before = await CompactionModel.ContentsAsync(table.Table);
        var queue = QueuedCompaction.Queue(table.Instance);
        var job = Assert.Single(await QueuedCompaction.CreateAndSendAsync(table.Instance, table.Table, queue, new ForcedCompactionStrategy()));
        // What the killed attempt left: a complete output and sketches pair under the job's output name, never committed.
        var leftover = table.Table.LocalPathOf(job.OutputFile);
        File.Copy(table.Table.LocalPathOf(job.InputFiles[0]), leftover);
        File.Copy(Sleeper.Parquet.SketchesFile.PathFor(table.Table.LocalPathOf(job.InputFiles[0])), Sleeper.Parquet.SketchesFile.PathFor(leftover));

        var result = await QueuedCompaction.Worker(table.Instance, queue).RunAsync(TimeSpan.Zero);

        Assert.Equal((1, 0), (result.JobsRun, result.JobsFailed));
        Assert.Equal(before, await CompactionModel.ContentsAsync(table.Table));
        var reference = Assert.Single(await table.ReferencesAsync());
        Assert.True(job.IsOutputOfAnAttempt(reference.Filename), $"'{reference.Filename}' is not an output of job {job.JobId}.");
        Assert.False(File.Exists(leftover), "The killed attempt's output is still on disk.");
        Assert.False(File.Exists(Sleeper.Parquet.SketchesFile.PathFor(leftover)), "The killed attempt's sketches are still on disk.");
        Assert.Equal("committed", (await QueuedCompaction.StatusAsync(table.Instance, job)).State);
        Assert.Equal(new QueueDepth(0, 0, 0), await queue.GetDepthAsync());
    }

    [Fact]
    public async Task A_worker_stopped_mid_job_hands_the_job_back_at_once_and_the_next_worker_finishes_it()
    {
        using var table = await TableWithFilesAsync(3, 200, 8);
        var before = await CompactionModel.ContentsAsync(table.Table);
        var queue = QueuedCompaction.Queue(table.Instance);
        var job = Assert.Single(await QueuedCompaction.CreateAndSendAsync(table.Instance, table.Table, queue, new ForcedCompactionStrategy()));
        using var stop = new CancellationTokenSource();
        // Ctrl-C arrives just as the job starts.
        var tracker = new StoppingTracker(table.Instance.CompactionTracker, stop);
        var worker = new CompactionWorker(queue, tracker, (id, ct) => table.Instance.OpenTableByIdAsync(id, ct), new CompactionTask(), table.Instance.Time)
        {
            VisibilityTimeout = TimeSpan.FromHours(1),
        };

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => worker.RunAsync(TimeSpan.Zero, cancellationToken: stop.Token));

        Assert.Equal(new QueueDepth(1, 0, 0), await queue.GetDepthAsync());
        Assert.All(await table.ReferencesAsync(), r => Assert.Equal(job.JobId, r.JobId));
        var result = await QueuedCompaction.Worker(table.Instance, queue).RunAsync(TimeSpan.Zero);
        Assert.Equal((1, 0), (result.JobsRun, result.JobsFailed));
        Assert.Equal(before, await CompactionModel.ContentsAsync(table.Table));
        await AssertCompactedIntoOutputAsync(table, job);
    }

    /// <summary>A tracker that stops the worker when it hears a job has started.</summary>
    private sealed class StoppingTracker(IJobTracker inner, CancellationTokenSource stop) : IJobTracker
    {
        public async Task RecordAsync(JobEvent jobEvent, CancellationToken cancellationToken = default)
        {
            await inner.RecordAsync(jobEvent, cancellationToken);
            if (jobEvent.Kind == JobEventKind.Started)
            {
                await stop.CancelAsync();
            }
        }

        public Task<bool> RecordOnceAsync(JobEvent jobEvent, CancellationToken cancellationToken = default) => inner.RecordOnceAsync(jobEvent, cancellationToken);

        public Task RecordAsync(TaskEvent taskEvent, CancellationToken cancellationToken = default) => inner.RecordAsync(taskEvent, cancellationToken);

        public Task<IReadOnlyList<JobEvent>> ReadJobEventsAsync(string? tableId, CancellationToken cancellationToken = default) => inner.ReadJobEventsAsync(tableId, cancellationToken);

        public Task<IReadOnlyList<TaskEvent>> ReadTaskEventsAsync(CancellationToken cancellationToken = default) => inner.ReadTaskEventsAsync(cancellationToken);
    }

    private static async Task<(CompactionResult? Result, Exception? Error)> Outcome(Task<CompactionResult> attempt)
    {
        try
        {
            return (await attempt, null);
        }
        catch (Exception e) when (e is SleeperException or IOException)
        {
            return (null, e);
        }
    }

    [Fact]
    public async Task A_message_of_a_job_committed_long_ago_whose_output_is_gone_too_is_not_retried()
    {
        using var table = await TableWithFilesAsync(3, 200, 5);
        var queue = QueuedCompaction.Queue(table.Instance);
        var job = Assert.Single(await new CompactionJobCreator(table.Table).CreateJobsAsync(new ForcedCompactionStrategy()));
        await new CompactionTask().RunAsync(table.Table, job);
        // Its output is compacted again with a newer file, and every replaced file is garbage collected.
        await table.IngestAsync([new Row(["k", 1L, "v"])]);
        var next = Assert.Single(await new CompactionJobCreator(table.Table).CreateJobsAsync(new ForcedCompactionStrategy()));
        await new CompactionTask().RunAsync(table.Table, next);
        await new GarbageCollector.GarbageCollector(table.Table).RunAsync();
        var before = await CompactionModel.ContentsAsync(table.Table);
        await queue.SendAsync(CompactionJobSerDe.ToJson(job));
        // Its first delivery went to the attempt that committed and died before it could delete the message.
        Assert.NotNull(await queue.ReceiveAsync(TimeSpan.Zero));

        var result = await QueuedCompaction.Worker(table.Instance, queue).RunAsync(TimeSpan.Zero);

        Assert.Equal(0, result.JobsFailed);
        Assert.Equal(new QueueDepth(0, 0, 0), await queue.GetDepthAsync());
        Assert.Equal(before, await CompactionModel.ContentsAsync(table.Table));
        await AssertCompactedIntoOutputAsync(table, next);
        // The tracker never heard of the first commit here, so it can only say why the job was not run.
        var status = await QueuedCompaction.StatusAsync(table.Instance, job);
        Assert.Equal(1, status.Attempts);
        Assert.Contains("no longer assigned", status.FailureReason, StringComparison.Ordinal);
    }

    /// <summary>Jobs compared by value, their input lists included.</summary>
    private sealed class JobComparer : IEqualityComparer<CompactionJob>
    {
        public bool Equals(CompactionJob? x, CompactionJob? y) => x is not null && y is not null
            && x with { InputFiles = y.InputFiles } == y && x.InputFiles.SequenceEqual(y.InputFiles);

        public int GetHashCode(CompactionJob obj) => obj.JobId.GetHashCode(StringComparison.Ordinal);
    }
}
