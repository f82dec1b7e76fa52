using Sleeper.Compaction;
using Sleeper.Core.Compaction;
using Sleeper.Core.Jobs;

namespace Sleeper.Scheduler.Tests;

/// <summary>Task workers start with their queue's depth, never more than the kind's maximum, and stop when idle.</summary>
public sealed class TaskWorkerScalingTest
{
    [Fact]
    public async Task Compaction_workers_scale_up_to_the_maximum_with_the_queue_and_back_to_zero_when_idle()
    {
        await using var test = await SchedulerTestInstance.CreateAsync();
        var table = await test.CreateTableAsync("events");
        for (var i = 0; i < 6; i++)
        {
            await SchedulerTestInstance.IngestAsync(table, i * 100, 100);
        }
        await new CompactionJobDispatcher(test.Instance.Queue(QueueNames.Compaction), test.Instance.CompactionTracker, test.Time)
            .CreateJobsAsync(table, CompactionStrategies.For(table.Properties));
        Assert.Equal(3, (await test.Instance.Queue(QueueNames.Compaction).GetDepthAsync()).Visible);
        var idle = TimeSpan.FromSeconds(20);
        var host = await test.StartSchedulerAsync(new SchedulerOptions
        {
            MaxTasks = new Dictionary<TaskWorkerKind, int> { [TaskWorkerKind.Compaction] = 2, [TaskWorkerKind.Ingest] = 2 },
            TaskCreationPeriod = TimeSpan.FromSeconds(5),
            TaskIdleTimeout = idle,
        });
        var scaler = HostServices.Get<TaskWorkerScaler>(host);

        // The first check, at the start, sees three jobs and starts the maximum of two; the ingest queue is empty.
        await test.EventuallyAsync(() => Task.FromResult(scaler.Running(TaskWorkerKind.Compaction) == 2), "two compaction workers run");
        Assert.Equal(0, scaler.Running(TaskWorkerKind.Ingest));
        var most = 0;
        await test.EventuallyAsync(async () =>
        {
            most = Math.Max(most, scaler.Running(TaskWorkerKind.Compaction));
            var depth = await test.Instance.Queue(QueueNames.Compaction).GetDepthAsync();
            return depth is { Visible: 0, InFlight: 0 };
        }, "the three jobs are done", step: TimeSpan.FromMilliseconds(500));
        Assert.Equal(2, most);
        Assert.Equal(3, (await table.StateStore.GetFileReferencesAsync()).Count);

        await test.EventuallyAsync(() => Task.FromResult(scaler.Running(TaskWorkerKind.Compaction) == 0), "the workers stop once idle", step: TimeSpan.FromSeconds(1));
        var started = scaler.Started;
        Assert.Equal(2, started);

        // Idle, nothing more starts however long it stays so; new work starts a worker again at the next check.
        test.Time.Advance(TimeSpan.FromMinutes(5));
        await Task.Delay(300);
        Assert.Equal(started, scaler.Started);
        await SchedulerTestInstance.IngestAsync(table, 10_000, 10);
        await SchedulerTestInstance.IngestAsync(table, 10_010, 10);
        // Five files now, two to a job.
        var jobs = (await new CompactionJobDispatcher(test.Instance.Queue(QueueNames.Compaction), test.Instance.CompactionTracker, test.Time)
            .CreateJobsAsync(table, CompactionStrategies.For(table.Properties))).Jobs.Count;
        Assert.Equal(2, jobs);
        await test.EventuallyAsync(() => Task.FromResult(scaler.Started == started + 2), "a worker starts for each new job", step: TimeSpan.FromSeconds(1));
        await test.EventuallyAsync(() => Task.FromResult(scaler.Running(TaskWorkerKind.Compaction) == 0), "they stop once idle again", step: TimeSpan.FromSeconds(1));
        Assert.Equal(3, (await table.StateStore.GetFileReferencesAsync()).Count);
    }

    [Fact]
    public async Task Stopping_the_scheduler_cancels_its_workers_waits_for_them_and_their_jobs_go_back_to_the_queue()
    {
        await using var test = await SchedulerTestInstance.CreateAsync();
        var queue = test.Instance.Queue(QueueNames.Ingest);
        await queue.SendAsync("a job that runs until it is stopped");
        var taken = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var options = new SchedulerOptions
        {
            MaxTasks = new Dictionary<TaskWorkerKind, int> { [TaskWorkerKind.Ingest] = 1 },
            TaskCreationPeriod = TimeSpan.FromSeconds(5),
        };
        // Every worker kind takes its messages through QueuePoller, which hands a message back when it is cancelled
        // mid-job; this worker is one whose job never ends by itself.
        using var scaler = new TaskWorkerScaler(test.Instance, options, new SchedulerPause(test.Instance.Objects, test.Time), test.Time,
            Microsoft.Extensions.Logging.Abstractions.NullLogger<TaskWorkerScaler>.Instance,
            async (_, cancel) =>
            {
                await QueuePoller.RunAsync(queue, TimeSpan.FromMinutes(5), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(20), test.Time, null, async _ =>
                {
                    taken.TrySetResult();
                    await Task.Delay(Timeout.Infinite, cancel);
                }, cancel);
                return 0;
            });
        await scaler.StartAsync(CancellationToken.None);
        await taken.Task.WaitAsync(TimeSpan.FromMinutes(1));
        Assert.Equal(1, scaler.Running(TaskWorkerKind.Ingest));
        Assert.Equal(new QueueDepth(0, 1, 0), await queue.GetDepthAsync());

        await scaler.StopAsync(CancellationToken.None);

        Assert.Equal(0, scaler.Running(TaskWorkerKind.Ingest));
        Assert.Equal(new QueueDepth(1, 0, 0), await queue.GetDepthAsync());
    }
}
