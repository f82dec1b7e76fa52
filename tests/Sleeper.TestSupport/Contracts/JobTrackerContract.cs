using Sleeper.Core.Tracking;
using Xunit;

namespace Sleeper.TestSupport.Contracts;

/// <summary>
/// What every <see cref="IJobTracker"/> backend must do, run against each by a small subclass in the backend's own
/// test project: events come back whole and in the order recorded, job events can be read for one table or all,
/// what one tracker object records another over the same store reads, including events recorded at once by many
/// writers, and an event recorded "once" is recorded exactly once however many writers race to record it.
/// </summary>
public abstract class JobTrackerContract
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 4, 5, 6, 7, TimeSpan.Zero);

    /// <summary>A tracker over the backend's store; two calls reach the same stored events through new objects, as another process would.</summary>
    protected abstract IJobTracker OpenTracker();

    private static JobEvent Event(string table, string job, JobEventKind kind, int second = 0) => new(table, job, kind, T0.AddSeconds(second));

    [Fact]
    public async Task An_empty_tracker_reads_no_events()
    {
        var tracker = OpenTracker();
        Assert.Empty(await tracker.ReadJobEventsAsync(null));
        Assert.Empty(await tracker.ReadJobEventsAsync("t1"));
        Assert.Empty(await tracker.ReadTaskEventsAsync());
    }

    [Fact]
    public async Task Job_events_come_back_whole_in_the_order_recorded_through_another_tracker()
    {
        var tracker = OpenTracker();
        var created = new JobEvent("t1", "j1", JobEventKind.Created, T0, PartitionId: "root", InputFiles: 2, Files: ["s3://b/a.parquet", "s3://b/b.parquet"]);
        var started = new JobEvent("t1", "j1", JobEventKind.Started, T0.AddSeconds(1), TaskId: "task-1");
        var finished = new JobEvent("t1", "j1", JobEventKind.Finished, new DateTimeOffset(2026, 3, 4, 7, 6, 8, 123, TimeSpan.FromHours(2)).AddTicks(4567),
            TaskId: "task-1", RowsRead: 1000, RowsWritten: 999, OutputFiles: ["out/1.parquet"]);
        var failed = new JobEvent("t1", "j2", JobEventKind.Failed, T0.AddSeconds(3), Reason: "the disk \"filled\"\nat row 7");
        foreach (var e in new[] { created, started, finished, failed })
        {
            await tracker.RecordAsync(e);
        }

        var read = await OpenTracker().ReadJobEventsAsync(null);

        Assert.Equal(4, read.Count);
        AssertSame(created, read[0]);
        AssertSame(started, read[1]);
        AssertSame(finished, read[2]);
        AssertSame(failed, read[3]);
    }

    [Fact]
    public async Task Job_events_read_for_one_table_are_that_tables_only_in_order()
    {
        var tracker = OpenTracker();
        await tracker.RecordAsync(Event("t1", "a", JobEventKind.Created, 0));
        await tracker.RecordAsync(Event("t2", "b", JobEventKind.Created, 1));
        await tracker.RecordAsync(Event("t1", "a", JobEventKind.Started, 2));
        await tracker.RecordAsync(Event("t2", "b", JobEventKind.Committed, 3));
        await tracker.RecordAsync(Event("t1", "a", JobEventKind.Committed, 4));

        var reader = OpenTracker();
        Assert.Equal([JobEventKind.Created, JobEventKind.Started, JobEventKind.Committed], (await reader.ReadJobEventsAsync("t1")).Select(e => e.Kind));
        Assert.All(await reader.ReadJobEventsAsync("t1"), e => Assert.Equal(("t1", "a"), (e.TableId, e.JobId)));
        Assert.Equal(["b", "b"], (await reader.ReadJobEventsAsync("t2")).Select(e => e.JobId));
        Assert.Empty(await reader.ReadJobEventsAsync("t3"));
        Assert.Equal(["t1", "t2", "t1", "t2", "t1"], (await reader.ReadJobEventsAsync(null)).Select(e => e.TableId));
    }

    [Fact]
    public async Task Task_events_come_back_whole_in_the_order_recorded_apart_from_job_events()
    {
        var tracker = OpenTracker();
        var started = new TaskEvent("task-1", false, T0);
        var finished = new TaskEvent("task-1", true, T0.AddMinutes(5), JobsRun: 3, RowsRead: 300, RowsWritten: 298);
        await tracker.RecordAsync(started);
        await tracker.RecordAsync(Event("t1", "j1", JobEventKind.Created));
        await tracker.RecordAsync(finished);

        var reader = OpenTracker();
        Assert.Equal([started, finished], await reader.ReadTaskEventsAsync());
        Assert.Single(await reader.ReadJobEventsAsync(null));
    }

    [Fact]
    public async Task Events_recorded_at_once_by_many_writers_are_all_kept_each_writers_in_its_order()
    {
        const int Writers = 4;
        const int EventsEach = 25;
        await Task.WhenAll(Enumerable.Range(0, Writers).Select(w => Task.Run(async () =>
        {
            var tracker = OpenTracker();
            for (var i = 0; i < EventsEach; i++)
            {
                await tracker.RecordAsync(new JobEvent("t1", $"w{w}", JobEventKind.Started, T0.AddSeconds(i), RowsRead: i));
                await tracker.RecordAsync(new TaskEvent($"w{w}", false, T0.AddSeconds(i), JobsRun: i));
            }
        })));

        var reader = OpenTracker();
        var jobs = await reader.ReadJobEventsAsync("t1");
        var tasks = await reader.ReadTaskEventsAsync();
        Assert.Equal(Writers * EventsEach, jobs.Count);
        Assert.Equal(Writers * EventsEach, tasks.Count);
        for (var w = 0; w < Writers; w++)
        {
            Assert.Equal(Enumerable.Range(0, EventsEach).Select(i => (long?)i), jobs.Where(e => e.JobId == $"w{w}").Select(e => e.RowsRead));
            Assert.Equal(Enumerable.Range(0, EventsEach).Select(i => (int?)i), tasks.Where(e => e.TaskId == $"w{w}").Select(e => e.JobsRun));
        }
    }

    [Fact]
    public async Task Recording_once_records_an_event_only_if_its_job_has_none_of_its_kind_yet()
    {
        var tracker = OpenTracker();
        await tracker.RecordAsync(Event("t1", "j1", JobEventKind.Failed, 0));
        var dead = new JobEvent("t1", "j1", JobEventKind.DeadLettered, T0.AddSeconds(1), TaskId: "task-1", PartitionId: "root", Reason: "dead-lettered after 3 attempts");

        Assert.True(await tracker.RecordOnceAsync(dead));
        Assert.False(await OpenTracker().RecordOnceAsync(dead with { Time = T0.AddSeconds(2), Reason = "again" }));
        Assert.True(await tracker.RecordOnceAsync(dead with { JobId = "j2" }));
        Assert.True(await tracker.RecordOnceAsync(dead with { TableId = "t2" }));
        Assert.False(await tracker.RecordOnceAsync(Event("t1", "j1", JobEventKind.Failed, 3)));

        var events = await OpenTracker().ReadJobEventsAsync(null);
        Assert.Equal(4, events.Count);
        AssertSame(dead, Assert.Single(events, e => e.TableId == "t1" && e.JobId == "j1" && e.Kind == JobEventKind.DeadLettered));
        Assert.Single(events, e => e.JobId == "j1" && e.Kind == JobEventKind.Failed);
    }

    [Fact]
    public async Task Of_many_writers_recording_the_same_event_once_at_the_same_moment_exactly_one_records_it()
    {
        const int Writers = 8;
        for (var round = 0; round < 5; round++)
        {
            var start = new Barrier(Writers);
            var recorded = await Task.WhenAll(Enumerable.Range(0, Writers).Select(w => Task.Run(async () =>
            {
                var tracker = OpenTracker();
                start.SignalAndWait();
                return await tracker.RecordOnceAsync(new JobEvent("t1", $"j{round}", JobEventKind.DeadLettered, T0, TaskId: $"w{w}"));
            })));

            Assert.Equal(1, recorded.Count(r => r));
        }
        var events = await OpenTracker().ReadJobEventsAsync("t1");
        Assert.Equal(5, events.Count);
        Assert.Equal(5, events.Select(e => e.JobId).Distinct().Count());
    }

    /// <summary>Field by field: a record's equality compares its lists by reference.</summary>
    private static void AssertSame(JobEvent expected, JobEvent actual)
    {
        Assert.Equal(expected with { Files = null, OutputFiles = null }, actual with { Files = null, OutputFiles = null });
        Assert.Equal(expected.Time.Offset, actual.Time.Offset);
        Assert.Equal(expected.Files, actual.Files);
        Assert.Equal(expected.OutputFiles, actual.OutputFiles);
    }
}
