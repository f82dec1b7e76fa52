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

    private sealed class RecordingTracker : IJobTracker
    {
        public List<TaskEvent> Tasks { get; } = [];

        public Task RecordAsync(JobEvent jobEvent, CancellationToken cancellationToken = default) => Task.CompletedTask;

        public Task RecordAsync(TaskEvent taskEvent, CancellationToken cancellationToken = default)
        {
            Tasks.Add(taskEvent);
            return Task.CompletedTask;
        }

        public Task<IReadOnlyList<JobEvent>> ReadJobEventsAsync(string? tableId, CancellationToken cancellationToken = default) =>
            Task.FromResult<IReadOnlyList<JobEvent>>([]);

        public Task<IReadOnlyList<TaskEvent>> ReadTaskEventsAsync(CancellationToken cancellationToken = default) =>
            Task.FromResult<IReadOnlyList<TaskEvent>>(Tasks);
    }
}
