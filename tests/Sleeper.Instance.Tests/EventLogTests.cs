using Sleeper.Core.Notifications;
using Sleeper.Core.Tracking;
using Sleeper.TestSupport;
using Xunit;

namespace Sleeper.Instance.Tests;

/// <summary>
/// The event log keeps every event in time order, a follower reads only what is new, and a job tracker publishes
/// exactly the failures and dead letters to it without ever being held up by a sink that fails.
/// </summary>
public sealed class EventLogTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 7, 1, 0, 0, TimeSpan.Zero);

    private readonly InMemoryObjectStore _store = new();

    private readonly TempFolder _temp = new();

    public void Dispose()
    {
        _store.Dispose();
        _temp.Dispose();
    }

    [Fact]
    public async Task Events_read_back_in_time_order_and_a_follower_gets_only_the_new_ones()
    {
        var log = new EventLog(_store);
        var events = Enumerable.Range(0, 5)
            .Select(i => new InstanceEvent($"id{i}", T0.AddSeconds(10 - i), "compaction-job-failed", EventSeverity.Warning, $"event {i}", "table", $"job{i}"))
            .ToList();
        await Task.WhenAll(events.Select(e => log.PublishAsync(e)));

        var read = await log.ReadAsync().ToListAsync();
        Assert.Equal(events.OrderBy(e => e.Time).ToList(), read.Select(r => r.Event).ToList());

        var later = new InstanceEvent("late", T0.AddMinutes(1), "ingest-job-dead-lettered", EventSeverity.Error, "later");
        await log.PublishAsync(later);
        Assert.Equal([later], (await log.ReadAsync(read[^1].Name).ToListAsync()).Select(r => r.Event));
        Assert.Empty(await log.ReadAsync((await log.ReadAsync().ToListAsync())[^1].Name).ToListAsync());
    }

    [Fact]
    public async Task A_tracker_publishes_failures_and_dead_letters_once_and_nothing_else()
    {
        var inner = new FileJobTracker(_temp.Combine("tracker"));
        var log = new EventLog(_store);
        var tracker = new NotifyingJobTracker(inner, log, "compaction");

        await tracker.RecordAsync(new JobEvent("t", "j1", JobEventKind.Created, T0));
        await tracker.RecordAsync(new JobEvent("t", "j1", JobEventKind.Started, T0));
        await tracker.RecordAsync(new JobEvent("t", "j1", JobEventKind.Failed, T0, Reason: "disk full"));
        Assert.True(await tracker.RecordOnceAsync(new JobEvent("t", "j2", JobEventKind.DeadLettered, T0, Reason: "received 3 times")));
        Assert.False(await tracker.RecordOnceAsync(new JobEvent("t", "j2", JobEventKind.DeadLettered, T0, Reason: "received 3 times")));

        var events = (await log.ReadAsync().ToListAsync()).Select(r => r.Event).ToList();
        Assert.Equal(["compaction-job-failed", "compaction-job-dead-lettered"], events.Select(e => e.Kind).Order(StringComparer.Ordinal).Reverse());
        var failed = events.Single(e => e.JobId == "j1");
        Assert.Equal(EventSeverity.Warning, failed.Severity);
        Assert.Contains("disk full", failed.Message);
        Assert.Equal(EventSeverity.Error, events.Single(e => e.JobId == "j2").Severity);
        Assert.Equal(4, (await inner.ReadJobEventsAsync(null)).Count);
    }

    [Fact]
    public async Task A_sink_that_fails_does_not_fail_the_tracker()
    {
        var inner = new FileJobTracker(_temp.Combine("tracker"));
        var tracker = new NotifyingJobTracker(inner, new FailingSink(), "ingest");

        await tracker.RecordAsync(new JobEvent("t", "j1", JobEventKind.Failed, T0, Reason: "bad input"));

        Assert.Single(await inner.ReadJobEventsAsync("t"));
    }

    [Fact]
    public async Task An_instances_job_trackers_publish_to_its_event_log()
    {
        await using var instance = await EmbeddedInstance.CreateAsync(_temp.Combine("instance"));

        await instance.IngestTracker.RecordAsync(new JobEvent("t", "j1", JobEventKind.Failed, T0, Reason: "no such file"));
        await instance.CompactionTracker.RecordOnceAsync(new JobEvent("t", "j2", JobEventKind.DeadLettered, T0));

        await using var reopened = await SleeperInstance.OpenAsync(_temp.Combine("instance"));
        var kinds = (await reopened.Events.ReadAsync().ToListAsync()).Select(r => r.Event.Kind).Order(StringComparer.Ordinal);
        Assert.Equal(["compaction-job-dead-lettered", "ingest-job-failed"], kinds);
    }

    private sealed class FailingSink : IEventSink
    {
        public Task PublishAsync(InstanceEvent instanceEvent, CancellationToken cancellationToken = default) =>
            throw new IOException("the sink is down");
    }
}
