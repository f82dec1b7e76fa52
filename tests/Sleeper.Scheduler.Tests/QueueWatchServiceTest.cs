using Sleeper.Core.Jobs;
using Sleeper.Core.Properties;

namespace Sleeper.Scheduler.Tests;

/// <summary>The scheduler's host runs the stuck-queue check: a backlog no worker takes becomes one queue-stuck event.</summary>
public sealed class QueueWatchServiceTest
{
    [Fact]
    public async Task A_compaction_backlog_that_no_worker_takes_is_published_once_as_a_stuck_queue()
    {
        await using var test = await SchedulerTestInstance.CreateAsync();
        var stuckAfter = TimeSpan.FromMinutes(test.Instance.Properties.GetInt(NotificationProperty.QueueStuckMinutes));
        await test.Instance.Queue(QueueNames.Compaction).SendAsync("{}");
        // No triggers and no task workers: nothing will ever take the message.
        await test.StartSchedulerAsync(new SchedulerOptions { RunTaskWorkers = false, QueueWatchPeriod = TimeSpan.FromMinutes(1) });

        // A check starts the watch; the next ones, short of the threshold, publish nothing.
        for (var minute = 0; minute < stuckAfter.TotalMinutes; minute++)
        {
            test.Time.Advance(TimeSpan.FromMinutes(1));
            await Task.Delay(100);
        }
        Assert.Empty(await StuckEventsAsync(test));

        await test.EventuallyAsync(async () => (await StuckEventsAsync(test)).Count > 0, "a queue-stuck event was published", TimeSpan.FromMinutes(1));
        for (var minute = 0; minute < 3; minute++)
        {
            test.Time.Advance(TimeSpan.FromMinutes(1));
            await Task.Delay(100);
        }
        var events = await StuckEventsAsync(test);
        Assert.Single(events);
        Assert.Contains("compaction", events[0]);
    }

    private static async Task<List<string>> StuckEventsAsync(SchedulerTestInstance test)
    {
        var messages = new List<string>();
        await foreach (var (_, e) in test.Instance.Events.ReadAsync())
        {
            if (e.Kind == "queue-stuck")
            {
                messages.Add(e.Message);
            }
        }
        return messages;
    }
}
