using Sleeper.Core.Jobs;
using Sleeper.Core.Tracking;

namespace Sleeper.Jobs.Tests;

public sealed class WorkerTaskTest : IDisposable
{
    private readonly TempFolder _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task A_task_records_its_start_and_its_totals_counting_jobs_run_failed_and_already_done()
    {
        var queue = FileJobQueue.InInstance(_dir.Path, "ingest");
        foreach (var body in new[] { "ran:10:4", "failed", "done", "ran:5:5" })
        {
            await queue.SendAsync(body);
        }
        var tracker = new RecordingTracker();

        var totals = await WorkerTask.RunAsync(tracker, "task-1", TimeProvider.System, queue, TimeSpan.FromMinutes(1), TimeSpan.FromMilliseconds(10),
            TimeSpan.Zero, null, async message =>
            {
                await queue.DeleteAsync(message);
                var parts = message.Body.Split(':');
                return parts[0] switch
                {
                    "ran" => JobAttempt.Finished(long.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture), long.Parse(parts[2], System.Globalization.CultureInfo.InvariantCulture)),
                    "failed" => JobAttempt.Failed,
                    _ => JobAttempt.AlreadyDone,
                };
            }, CancellationToken.None);

        Assert.Equal(new WorkerTaskTotals(2, 1, 15, 9), totals);
        Assert.Equal(2, tracker.Tasks.Count);
        Assert.Equal(("task-1", false, (int?)null), (tracker.Tasks[0].TaskId, tracker.Tasks[0].Finished, tracker.Tasks[0].JobsRun));
        Assert.Equal(("task-1", true, (int?)2, (long?)15, (long?)9),
            (tracker.Tasks[1].TaskId, tracker.Tasks[1].Finished, tracker.Tasks[1].JobsRun, tracker.Tasks[1].RowsRead, tracker.Tasks[1].RowsWritten));
    }

    [Fact]
    public async Task A_task_stopped_by_a_failing_job_still_records_its_end_with_what_it_did()
    {
        var queue = FileJobQueue.InInstance(_dir.Path, "ingest");
        await queue.SendAsync("first");
        await queue.SendAsync("second");
        var tracker = new RecordingTracker();
        var seen = 0;

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => WorkerTask.RunAsync(tracker, "task-2", TimeProvider.System, queue,
            TimeSpan.FromMinutes(1), TimeSpan.FromMilliseconds(10), TimeSpan.Zero, null, async message =>
            {
                await queue.DeleteAsync(message);
                return ++seen == 1 ? JobAttempt.Finished(3, 3) : throw new InvalidOperationException("the worker broke");
            }, CancellationToken.None));

        Assert.Equal("the worker broke", error.Message);
        var end = Assert.Single(tracker.Tasks, t => t.Finished);
        Assert.Equal((1, 3L, 3L), (end.JobsRun!.Value, end.RowsRead!.Value, end.RowsWritten!.Value));
    }

    [Fact]
    public async Task A_task_cancelled_mid_job_hands_the_message_back_at_once_for_the_next_worker()
    {
        var queue = FileJobQueue.InInstance(_dir.Path, "compaction");
        await queue.SendAsync("long job");
        using var stop = new CancellationTokenSource();
        var started = new TaskCompletionSource();

        var running = WorkerTask.RunAsync(new RecordingTracker(), "task-3", TimeProvider.System, queue,
            TimeSpan.FromHours(1), TimeSpan.FromMilliseconds(10), TimeSpan.FromHours(1), null, async message =>
            {
                started.SetResult();
                await Task.Delay(Timeout.InfiniteTimeSpan, stop.Token);
                return JobAttempt.Finished(1, 1);
            }, stop.Token);
        await started.Task;
        await stop.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running);
        // Visible again now, not after the hour-long visibility timeout.
        Assert.Equal(new QueueDepth(1, 0, 0), await queue.GetDepthAsync());
        var again = await queue.ReceiveAsync(TimeSpan.FromMinutes(1));
        Assert.Equal("long job", again?.Body);
    }

    [Fact]
    public async Task A_task_cancelled_after_its_job_deleted_its_message_does_not_bring_it_back()
    {
        var queue = FileJobQueue.InInstance(_dir.Path, "compaction");
        await queue.SendAsync("job");
        using var stop = new CancellationTokenSource();

        var running = WorkerTask.RunAsync(new RecordingTracker(), "task-4", TimeProvider.System, queue,
            TimeSpan.FromHours(1), TimeSpan.FromMilliseconds(10), TimeSpan.FromHours(1), null, async message =>
            {
                await queue.DeleteAsync(message);
                await stop.CancelAsync();
                stop.Token.ThrowIfCancellationRequested();
                return JobAttempt.Finished(1, 1);
            }, stop.Token);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running);
        Assert.Equal(new QueueDepth(0, 0, 0), await queue.GetDepthAsync());
    }

    [Fact]
    public async Task A_task_whose_queue_runs_dry_after_a_failure_sweeps_the_dead_letters_and_counts_the_jobs_it_tried_that_ended_there()
    {
        var queue = FileJobQueue.InInstance(_dir.Path, "ingest", maxReceiveCount: 1);
        await queue.SendAsync("doomed");
        var tracker = new RecordingTracker();

        var totals = await WorkerTask.RunAsync(tracker, "task-5", TimeProvider.System, queue, TimeSpan.FromMinutes(1),
            TimeSpan.FromMilliseconds(10), TimeSpan.Zero, new DeadLetterSweep(queue, tracker, new BodyIsJobId()) { TaskId = "task-5" }, async message =>
            {
                await queue.ReleaseAsync(message);
                return JobAttempt.Failed;
            }, CancellationToken.None);

        Assert.Equal((0, 1, 1), (totals.JobsRun, totals.JobsFailed, totals.JobsDeadLettered));
        Assert.True(totals.NothingSucceeded);
        var reported = Assert.Single(tracker.Jobs);
        Assert.Equal(("t", "doomed", JobEventKind.DeadLettered, "task-5"), (reported.TableId, reported.JobId, reported.Kind, reported.TaskId));
        Assert.Equal("dead-lettered after 1 attempt", reported.Reason);
    }

    [Fact]
    public async Task A_task_reports_a_dead_letter_left_unreported_when_it_starts_without_counting_it_as_its_own()
    {
        var queue = FileJobQueue.InInstance(_dir.Path, "ingest", maxReceiveCount: 1);
        await queue.SendAsync("left by a dead worker");
        await queue.ReleaseAsync((await queue.ReceiveAsync(TimeSpan.FromMinutes(1)))!);
        Assert.Null(await queue.ReceiveAsync(TimeSpan.FromMinutes(1)));
        var tracker = new RecordingTracker();

        var totals = await WorkerTask.RunAsync(tracker, "task-6", TimeProvider.System, queue, TimeSpan.FromMinutes(1),
            TimeSpan.FromMilliseconds(10), TimeSpan.Zero, new DeadLetterSweep(queue, tracker, new BodyIsJobId()),
            _ => Task.FromResult(JobAttempt.Failed), CancellationToken.None);

        Assert.Equal(new WorkerTaskTotals(0, 0, 0, 0), totals);
        Assert.False(totals.NothingSucceeded);
        Assert.Equal(("left by a dead worker", JobEventKind.DeadLettered), (Assert.Single(tracker.Jobs).JobId, tracker.Jobs[0].Kind));
    }

    [Fact]
    public async Task The_embedded_queue_lists_the_messages_it_holds_whether_visible_or_in_flight_but_not_deleted_or_dead()
    {
        var queue = FileJobQueue.InInstance(_dir.Path, "compaction", maxReceiveCount: 1);
        var received = new Dictionary<string, QueuedMessage>();
        foreach (var body in new[] { "in flight", "deleted", "dead" })
        {
            await queue.SendAsync(body);
            var message = await queue.ReceiveAsync(TimeSpan.FromMinutes(1));
            received[message!.Body] = message;
        }
        await queue.DeleteAsync(received["deleted"]);
        await queue.ReleaseAsync(received["dead"]);
        // Received once already, so its next receipt moves it to the dead letters.
        Assert.Null(await queue.ReceiveAsync(TimeSpan.FromMinutes(1)));
        await queue.SendAsync("visible");

        Assert.Equal(["in flight", "visible"], (await queue.ListBodiesAsync()).Order(StringComparer.Ordinal));
        Assert.Equal("dead", Assert.Single(await queue.GetDeadLettersAsync()).Body);
    }

    /// <summary>Dead letters whose body is their job's id, all of table "t", holding nothing.</summary>
    private sealed class BodyIsJobId : IDeadLetterHandler
    {
        public Task<DeadLetteredJob?> ReadAsync(QueuedMessage letter, CancellationToken cancellationToken) =>
            Task.FromResult<DeadLetteredJob?>(new DeadLetteredJob("t", letter.Body, null, letter));

        public Task<string?> SettleAsync(DeadLetteredJob job, CancellationToken cancellationToken) => Task.FromResult<string?>(null);
    }

    private sealed class RecordingTracker : IJobTracker
    {
        private readonly Lock _lock = new();

        public List<TaskEvent> Tasks { get; } = [];

        public List<JobEvent> Jobs { get; } = [];

        public Task RecordAsync(JobEvent jobEvent, CancellationToken cancellationToken = default)
        {
            lock (_lock)
            {
                Jobs.Add(jobEvent);
            }
            return Task.CompletedTask;
        }

        public Task<bool> RecordOnceAsync(JobEvent jobEvent, CancellationToken cancellationToken = default)
        {
            lock (_lock)
            {
                if (Jobs.Any(e => (e.TableId, e.JobId, e.Kind) == (jobEvent.TableId, jobEvent.JobId, jobEvent.Kind)))
                {
                    return Task.FromResult(false);
                }
                Jobs.Add(jobEvent);
                return Task.FromResult(true);
            }
        }

        public Task RecordAsync(TaskEvent taskEvent, CancellationToken cancellationToken = default)
        {
            Tasks.Add(taskEvent);
            return Task.CompletedTask;
        }

        public Task<IReadOnlyList<JobEvent>> ReadJobEventsAsync(string? tableId, CancellationToken cancellationToken = default)
        {
            lock (_lock)
            {
                return Task.FromResult<IReadOnlyList<JobEvent>>(Jobs.Where(e => tableId is null || e.TableId == tableId).ToList());
            }
        }

        public Task<IReadOnlyList<TaskEvent>> ReadTaskEventsAsync(CancellationToken cancellationToken = default) =>
            Task.FromResult<IReadOnlyList<TaskEvent>>(Tasks);
    }
}
