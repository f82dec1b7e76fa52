using System.Text.Json.Nodes;
using Microsoft.Extensions.Time.Testing;
using Sleeper.Core.Jobs;
using Sleeper.Core.Notifications;
using Sleeper.Core.Partitions;
using Sleeper.Core.Properties;
using Sleeper.Core.Schema;
using Sleeper.Core.StateStore;
using Sleeper.Core.StateStore.Transactions;
using Sleeper.Core.Tracking;
using Sleeper.Instance;

namespace Sleeper.Operations.Tests;

/// <summary>
/// Notifications: the webhook sink against a real receiver on loopback (retries with backoff on a controlled
/// clock while it fails), the instance publishing every event to its log and its webhook, failed commits and
/// stuck queues as events.
/// </summary>
public sealed class NotificationsTest : IDisposable
{
    private static readonly TableSchema Schema = new([new Field("key", StringType.Instance)], [], [new Field("value", LongType.Instance)]);
    private readonly TempFolder _folder = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 3, 4, 5, 6, 7, TimeSpan.Zero));

    public void Dispose() => _folder.Dispose();

    private InstanceEvent NewEvent(string kind = "compaction-job-failed") => EventLog.Create(_time, kind, EventSeverity.Warning, "job j of table t failed: disk full", "t", "j");

    [Fact]
    public async Task The_webhook_receives_each_event_as_the_event_logs_json()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var sink = new WebhookSink(receiver.Url, new WebhookOptions(), _time);
        var first = NewEvent();
        var second = NewEvent("queue-stuck");

        await sink.PublishAsync(first);
        await sink.PublishAsync(second);
        await WebhookReceiver.WaitForAsync(() => receiver.Received.Count == 2);

        Assert.Equal([System.Text.Encoding.UTF8.GetString(EventLog.ToJson(first)), System.Text.Encoding.UTF8.GetString(EventLog.ToJson(second))], receiver.Received);
        var json = JsonNode.Parse(receiver.Received.First())!;
        Assert.Equal(("compaction-job-failed", "Warning", "j"), (json["kind"]!.GetValue<string>(), json["severity"]!.GetValue<string>(), json["jobId"]!.GetValue<string>()));
        Assert.Equal(2, sink.Delivered);
    }

    [Fact]
    public async Task A_failing_receiver_is_retried_with_doubling_waits_on_the_clock_until_it_takes_the_event()
    {
        await using var receiver = await WebhookReceiver.StartAsync(failFirst: 3);
        await using var sink = new WebhookSink(receiver.Url, new WebhookOptions(Retries: 5, FirstRetryDelay: TimeSpan.FromSeconds(10)), _time);

        var publish = sink.PublishAsync(NewEvent());

        // Publishing never waits for the receiver.
        Assert.True(publish.IsCompleted);
        await WebhookReceiver.WaitForAsync(() => receiver.Requests == 1);
        // The clock moves a second at a time: each retry comes no sooner than its wait, 10 s, then 20 s, then 40 s.
        foreach (var (wait, requests) in new[] { (10, 2), (20, 3), (40, 4) })
        {
            var advanced = 0;
            await WebhookReceiver.WaitForAsync(() => receiver.Requests == requests, () =>
            {
                _time.Advance(TimeSpan.FromSeconds(1));
                advanced++;
            }, seconds: 60);
            // Never sooner; later only by the steps taken while a request was on its way.
            Assert.InRange(advanced, wait, wait * 2);
        }
        await WebhookReceiver.WaitForAsync(() => sink.Delivered == 1);
        Assert.Single(receiver.Received);
        Assert.Equal(0, sink.GivenUp);
    }

    [Fact]
    public async Task An_event_is_given_up_after_its_last_retry_and_the_next_one_still_goes_out()
    {
        await using var receiver = await WebhookReceiver.StartAsync(failFirst: 3);
        await using var sink = new WebhookSink(receiver.Url, new WebhookOptions(Retries: 2, FirstRetryDelay: TimeSpan.FromSeconds(1)), _time);

        await sink.PublishAsync(NewEvent("first"));
        await sink.PublishAsync(NewEvent("second"));

        await WebhookReceiver.WaitForAsync(() => sink.GivenUp == 1 && sink.Delivered == 1, () => _time.Advance(TimeSpan.FromSeconds(1)));
        Assert.Equal(4, receiver.Requests);
        Assert.Equal("second", JsonNode.Parse(Assert.Single(receiver.Received))!["kind"]!.GetValue<string>());
    }

    [Fact]
    public async Task The_instance_publishes_a_trackers_failures_to_its_event_log_and_its_webhook()
    {
        await using var receiver = await WebhookReceiver.StartAsync(failFirst: 1);
        var root = _folder.Combine("instance");
        await using (var created = await EmbeddedInstance.CreateAsync(root, _time))
        {
            created.Properties.Set(NotificationProperty.WebhookUrl.Name, receiver.Url.ToString());
            created.Properties.Set(NotificationProperty.WebhookRetryDelaySeconds.Name, "1");
            await created.SavePropertiesAsync();
        }
        await using var instance = await SleeperInstance.OpenAsync(root, _time);

        await instance.IngestTracker.RecordAsync(new JobEvent("table-1", "job-1", JobEventKind.Failed, _time.GetUtcNow(), Reason: "file missing"));

        await WebhookReceiver.WaitForAsync(() => receiver.Received.Count == 1, () => _time.Advance(TimeSpan.FromSeconds(1)));
        var logged = Assert.Single(await ReadLogAsync(instance));
        Assert.Equal("ingest-job-failed", logged.Kind);
        Assert.Equal(System.Text.Encoding.UTF8.GetString(EventLog.ToJson(logged)), Assert.Single(receiver.Received));
    }

    [Fact]
    public async Task A_commit_given_up_and_one_whose_outcome_is_unknown_are_published_with_their_table()
    {
        var store = new InMemoryObjectStore();
        var log = new EventLog(store);
        var faults = new FaultInjectingTransactionLogStore(new InMemoryTransactionLogStore(), entry => entry.TransactionNumber == 1 ? AppendFault.None : AppendFault.FailBeforeWriting);
        var stateStore = new TransactionLogStateStore(Schema, faults, new InMemorySnapshotStore(), _time,
            options: new TransactionLogStateStoreOptions { MaxCommitAttempts = 2, FirstRetryDelay = TimeSpan.Zero, Events = log, TableId = "table-9" });
        await stateStore.InitialiseAsync(PartitionsBuilder.SingleRoot(Schema));

        await Assert.ThrowsAsync<CommitFailedException>(() => stateStore.CommitAsync(new AddFilesTransaction([new Sleeper.Core.Files.FileReference("f", "root", 1)])));
        // An invalid transaction is an ordinary answer, not a failure to publish.
        await Assert.ThrowsAnyAsync<Sleeper.Core.SleeperException>(() => stateStore.CommitAsync(new AssignJobIdsTransaction([new AssignJobIdRequest("j", "root", ["missing"])])));
        var unknown = new FaultInjectingTransactionLogStore(new InMemoryTransactionLogStore(), entry => entry.TransactionNumber == 1 ? AppendFault.None : AppendFault.FailAfterWriting);
        var blind = new TransactionLogStateStore(Schema, unknown, new InMemorySnapshotStore(), _time,
            options: new TransactionLogStateStoreOptions { MaxCommitAttempts = 2, FirstRetryDelay = TimeSpan.Zero, Events = log, TableId = "table-10" });
        await blind.InitialiseAsync(PartitionsBuilder.SingleRoot(Schema));
        unknown.FailRead = _ => unknown.FailedAfterWriting > 0;
        await Assert.ThrowsAsync<CommitOutcomeUnknownException>(() => blind.CommitAsync(new AddFilesTransaction([new Sleeper.Core.Files.FileReference("g", "root", 1)])));

        var events = new List<InstanceEvent>();
        await foreach (var (_, e) in log.ReadAsync())
        {
            events.Add(e);
        }
        // Both at the same instant of the test clock, so in no particular order.
        events = events.OrderBy(e => e.Kind, StringComparer.Ordinal).ToList();
        Assert.Equal([("state-store-commit-failed", "table-9"), ("state-store-commit-outcome-unknown", "table-10")], events.Select(e => (e.Kind, e.TableId!)));
        Assert.All(events, e => Assert.Equal(EventSeverity.Error, e.Severity));
        Assert.Contains("AddFiles", events[0].Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task A_queue_whose_depth_does_not_fall_for_the_threshold_is_published_as_stuck_once()
    {
        await using var instance = await EmbeddedInstance.CreateAsync(_folder.Combine("instance"), _time);
        var queue = instance.Queue(QueueNames.Ingest);
        await queue.SendAsync("a");
        await queue.SendAsync("b");
        var watch = new QueueWatch(instance);
        var threshold = TimeSpan.FromMinutes(instance.Properties.GetInt(NotificationProperty.QueueStuckMinutes));

        Assert.Empty(await watch.CheckAsync());
        _time.Advance(threshold - TimeSpan.FromSeconds(1));
        await queue.SendAsync("c");
        Assert.Empty(await watch.CheckAsync());
        _time.Advance(TimeSpan.FromSeconds(1));
        var stuck = Assert.Single(await watch.CheckAsync());
        Assert.Equal((QueueNames.Ingest, 3), (stuck.Queue, stuck.Visible));
        _time.Advance(TimeSpan.FromMinutes(1));
        Assert.Single(await watch.CheckAsync());
        var events = await ReadLogAsync(instance);
        Assert.Equal("queue-stuck", Assert.Single(events).Kind);
        Assert.Contains("ingest queue has held 3 visible message(s)", events[0].Message);

        // A worker takes one: the backlog falls, and the watch starts over.
        await queue.DeleteAsync((await queue.ReceiveAsync(TimeSpan.FromMinutes(1)))!);
        Assert.Empty(await watch.CheckAsync());
        _time.Advance(threshold);
        Assert.Single(await watch.CheckAsync());
        Assert.Equal(2, (await ReadLogAsync(instance)).Count);
    }

    private static async Task<List<InstanceEvent>> ReadLogAsync(SleeperInstance instance)
    {
        var events = new List<InstanceEvent>();
        await foreach (var (_, e) in instance.Events.ReadAsync())
        {
            events.Add(e);
        }
        return events;
    }
}
