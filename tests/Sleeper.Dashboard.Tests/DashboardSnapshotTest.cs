using System.Text.Json.Nodes;
using Microsoft.Extensions.Time.Testing;
using Sleeper.Core.Jobs;
using Sleeper.Core.Notifications;
using Sleeper.Core.Tracking;
using Sleeper.Instance;
using Sleeper.Server;
using Sleeper.Server.Dashboard;
using Sleeper.Server.Serving;

namespace Sleeper.Dashboard.Tests;

/// <summary>
/// The dashboard's document over a real embedded instance on a controlled clock: jobs land in the bucket of the
/// time they committed, older ones fall out of the window, running jobs and tasks and queue depths are what the
/// trackers and queues hold, and the newest events come first.
/// </summary>
public sealed class DashboardSnapshotTest : IAsyncLifetime
{
    private static readonly DateTimeOffset Now = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);
    private readonly TempFolder _temp = new();
    private readonly FakeTimeProvider _time = new(Now);
    private SleeperInstance _instance = null!;

    public async Task InitializeAsync() => _instance = await SleeperInstance.CreateAsync(_temp.Combine("instance"), time: _time);

    public async Task DisposeAsync()
    {
        await _instance.DisposeAsync();
        _temp.Dispose();
    }

    [Fact]
    public async Task Jobs_count_in_the_bucket_of_their_commit_within_the_window()
    {
        // A 30-minute window of 60 buckets of 30 s, ending now.
        await CommittedJobAsync(_instance.CompactionTracker, "old", Now.AddMinutes(-31), rows: 1000); // before the window
        await CommittedJobAsync(_instance.CompactionTracker, "first", Now.AddMinutes(-30).AddSeconds(10), rows: 10); // bucket 0
        await CommittedJobAsync(_instance.CompactionTracker, "a", Now.AddSeconds(-45), rows: 20); // bucket 58
        await CommittedJobAsync(_instance.CompactionTracker, "b", Now.AddSeconds(-40), rows: 30); // bucket 58
        await CommittedJobAsync(_instance.CompactionTracker, "last", Now.AddSeconds(-1), rows: 5); // bucket 59
        await CommittedJobAsync(_instance.IngestTracker, "ingest", Now.AddMinutes(-15), rows: 7); // bucket 30
        await CommittedJobAsync(_instance.BulkImportTracker, "bulk", Now.AddMinutes(-15).AddSeconds(29), rows: 8); // bucket 30
        await _instance.CompactionTracker.RecordAsync(new JobEvent("t1", "running", JobEventKind.Started, Now.AddSeconds(-5), TaskId: "task-1"));
        await _instance.CompactionTracker.RecordAsync(new TaskEvent("task-1", false, Now.AddMinutes(-2)));
        await _instance.IngestTracker.RecordAsync(new TaskEvent("task-2", false, Now.AddMinutes(-3)));
        await _instance.IngestTracker.RecordAsync(new TaskEvent("task-2", true, Now.AddMinutes(-1), JobsRun: 1));

        var json = await BuildAsync(TimeSpan.FromMinutes(30));

        var throughput = json["throughput"]!;
        Assert.Equal(30, throughput["bucketSeconds"]!.GetValue<double>());
        var compaction = Buckets(throughput["compaction"]!);
        Assert.Equal(60, compaction.Count);
        Assert.Equal((1, 10L), compaction[0]);
        Assert.Equal((2, 50L), compaction[58]);
        Assert.Equal((1, 5L), compaction[59]);
        Assert.Equal(4, compaction.Sum(b => b.Jobs));
        var ingest = Buckets(throughput["ingest"]!);
        Assert.Equal((2, 15L), ingest[30]);
        Assert.Equal(2, ingest.Sum(b => b.Jobs));

        var running = Assert.Single(json["runningJobs"]!.AsArray())!;
        Assert.Equal("running", running["jobId"]!.GetValue<string>());
        Assert.Equal("compaction", running["kind"]!.GetValue<string>());
        var task = Assert.Single(json["runningTasks"]!.AsArray())!;
        Assert.Equal("task-1", task["taskId"]!.GetValue<string>());
        Assert.Equal(1, json["runningTaskCount"]!.GetValue<int>());
        Assert.Equal(1, json["runningJobCount"]!.GetValue<int>());
    }

    [Fact]
    public async Task Only_the_newest_running_tasks_are_listed_with_the_count_of_all()
    {
        for (var i = 0; i < DashboardSnapshot.RunningShown + 3; i++)
        {
            await _instance.CompactionTracker.RecordAsync(new TaskEvent($"task-{i:D2}", false, Now.AddMinutes(i - 60)));
        }

        var json = await BuildAsync(TimeSpan.FromMinutes(30));

        Assert.Equal(DashboardSnapshot.RunningShown + 3, json["runningTaskCount"]!.GetValue<int>());
        var shown = json["runningTasks"]!.AsArray().Select(t => t!["taskId"]!.GetValue<string>()).ToList();
        Assert.Equal(Enumerable.Range(3, DashboardSnapshot.RunningShown).Reverse().Select(i => $"task-{i:D2}"), shown);
    }

    [Fact]
    public async Task Queue_depths_and_the_newest_events_are_shown()
    {
        await _instance.Queue(QueueNames.Ingest).SendAsync("{}");
        await _instance.Queue(QueueNames.Ingest).SendAsync("{}");
        for (var i = 0; i < DashboardSnapshot.RecentEvents + 5; i++)
        {
            _time.Advance(TimeSpan.FromSeconds(1));
            await _instance.Events.PublishAsync(EventLog.Create(_time, "ingest-job-failed", EventSeverity.Warning, $"failure {i}"));
        }

        var json = await BuildAsync(TimeSpan.FromMinutes(5));

        var queues = json["queues"]!.AsArray().ToDictionary(q => q!["name"]!.GetValue<string>(), q => q!["visible"]!.GetValue<int>());
        Assert.Equal(2, queues[QueueNames.Ingest]);
        Assert.Equal(0, queues[QueueNames.Compaction]);
        var events = json["recentEvents"]!.AsArray().Select(e => e!["message"]!.GetValue<string>()).ToList();
        Assert.Equal(DashboardSnapshot.RecentEvents, events.Count);
        Assert.Equal($"failure {DashboardSnapshot.RecentEvents + 4}", events[0]);
        Assert.Equal("failure 5", events[^1]);
    }

    private Task<JsonObject> BuildAsync(TimeSpan window) =>
        DashboardSnapshot.BuildAsync(_instance, new ServedTables(_instance, new ServerLimits()), window, CancellationToken.None);

    private static List<(int Jobs, long Rows)> Buckets(JsonNode series) =>
        series.AsArray().Select(b => (b!["jobs"]!.GetValue<int>(), b["rows"]!.GetValue<long>())).ToList();

    private static async Task CommittedJobAsync(IJobTracker tracker, string jobId, DateTimeOffset committed, long rows)
    {
        await tracker.RecordAsync(new JobEvent("t1", jobId, JobEventKind.Created, committed.AddSeconds(-3)));
        await tracker.RecordAsync(new JobEvent("t1", jobId, JobEventKind.Started, committed.AddSeconds(-2), TaskId: "task"));
        await tracker.RecordAsync(new JobEvent("t1", jobId, JobEventKind.Finished, committed.AddSeconds(-1), TaskId: "task", RowsRead: rows, RowsWritten: rows));
        await tracker.RecordAsync(new JobEvent("t1", jobId, JobEventKind.Committed, committed));
    }
}
