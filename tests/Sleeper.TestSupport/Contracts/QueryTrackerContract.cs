using Sleeper.Core.Tracking;
using Xunit;

namespace Sleeper.TestSupport.Contracts;

/// <summary>
/// What every <see cref="IQueryTracker"/> backend must do, run against each by a small subclass in the backend's own
/// test project: events come back whole and in the order recorded, through another tracker object over the same
/// store, for one query or for all, including events recorded at once by many writers; and the statuses folded from
/// them follow a query from queued to completed or partially failed.
/// </summary>
public abstract class QueryTrackerContract
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 4, 5, 6, 7, TimeSpan.Zero);

    /// <summary>A tracker over the backend's store; two calls reach the same stored events through new objects, as another process would.</summary>
    protected abstract IQueryTracker OpenTracker();

    [Fact]
    public async Task An_empty_tracker_reads_no_events_and_knows_no_query()
    {
        var tracker = OpenTracker();
        Assert.Empty(await tracker.ReadEventsAsync());
        Assert.Empty(await tracker.ReadEventsAsync("q1"));
        Assert.Null(await tracker.GetQueryAsync("q1"));
        Assert.Empty(await tracker.ListQueriesAsync());
    }

    [Fact]
    public async Task Events_come_back_whole_in_the_order_recorded_through_another_tracker()
    {
        var tracker = OpenTracker();
        var events = new[]
        {
            new QueryEvent("q1", QueryEventKind.Queued, T0, TableName: "events", Destination: "Store"),
            new QueryEvent("q1", QueryEventKind.Started, T0.AddSeconds(1), TaskId: "task-1"),
            new QueryEvent("q1", QueryEventKind.Split, T0.AddSeconds(2), TaskId: "task-1", SubQueries: [new SubQueryRef("L", "left"), new SubQueryRef("R", "right")]),
            new QueryEvent("q1", QueryEventKind.Completed, new DateTimeOffset(2026, 3, 4, 7, 6, 8, 123, TimeSpan.FromHours(2)).AddTicks(4567),
                "L", PartitionId: "left", TaskId: "task-2", Rows: 1234, ResultsFile: "query-results/q1/L.parquet"),
            new QueryEvent("q1", QueryEventKind.Failed, T0.AddSeconds(4), "R", PartitionId: "right", Reason: "the file \"x\"\nwas gone"),
        };
        foreach (var e in events)
        {
            await tracker.RecordAsync(e);
        }

        var read = await OpenTracker().ReadEventsAsync("q1");

        Assert.Equal(events.Length, read.Count);
        for (var i = 0; i < events.Length; i++)
        {
            AssertSame(events[i], read[i]);
        }
    }

    [Fact]
    public async Task Events_read_for_one_query_are_that_querys_only_in_order()
    {
        var tracker = OpenTracker();
        await tracker.RecordAsync(new QueryEvent("a", QueryEventKind.Queued, T0));
        await tracker.RecordAsync(new QueryEvent("b", QueryEventKind.Queued, T0.AddSeconds(1)));
        await tracker.RecordAsync(new QueryEvent("a", QueryEventKind.Started, T0.AddSeconds(2)));

        Assert.Equal([QueryEventKind.Queued, QueryEventKind.Started], (await tracker.ReadEventsAsync("a")).Select(e => e.Kind));
        Assert.Equal(["b"], (await tracker.ReadEventsAsync("b")).Select(e => e.QueryId));
        Assert.Equal(["a", "b", "a"], (await tracker.ReadEventsAsync()).Select(e => e.QueryId));
        Assert.Equal(["a", "b"], (await tracker.ListQueriesAsync()).Select(q => q.QueryId));
    }

    [Fact]
    public async Task Events_recorded_at_once_by_many_writers_are_all_kept()
    {
        const int Writers = 8;
        const int EventsEach = 25;
        await Task.WhenAll(Enumerable.Range(0, Writers).Select(w => Task.Run(async () =>
        {
            var tracker = OpenTracker();
            for (var i = 0; i < EventsEach; i++)
            {
                await tracker.RecordAsync(new QueryEvent("q", QueryEventKind.Completed, T0.AddSeconds(i), $"w{w}-{i}", Rows: i,
                    Reason: new string('x', 500)));
            }
        })));

        var read = await OpenTracker().ReadEventsAsync("q");

        Assert.Equal(Writers * EventsEach, read.Count);
        Assert.Equal(Writers * EventsEach, read.Select(e => e.SubQueryId).Distinct().Count());
        for (var w = 0; w < Writers; w++)
        {
            // Each writer's events keep their order.
            Assert.Equal(Enumerable.Range(0, EventsEach).Select(i => (long)i), read.Where(e => e.SubQueryId!.StartsWith($"w{w}-", StringComparison.Ordinal)).Select(e => e.Rows!.Value));
        }
    }

    [Fact]
    public async Task A_query_goes_from_queued_to_in_progress_to_partially_failed_as_its_sub_queries_end()
    {
        var tracker = OpenTracker();
        await tracker.RecordAsync(new QueryEvent("q", QueryEventKind.Queued, T0, TableName: "t", Destination: "Store"));
        Assert.Equal(QueryState.Queued, (await tracker.GetQueryAsync("q"))!.State);

        await tracker.RecordAsync(new QueryEvent("q", QueryEventKind.Started, T0.AddSeconds(1)));
        await tracker.RecordAsync(new QueryEvent("q", QueryEventKind.Split, T0.AddSeconds(2),
            SubQueries: [new SubQueryRef("a", "pa"), new SubQueryRef("b", "pb"), new SubQueryRef("c", "pc")]));
        await tracker.RecordAsync(new QueryEvent("q", QueryEventKind.Started, T0.AddSeconds(3), "a"));
        await tracker.RecordAsync(new QueryEvent("q", QueryEventKind.Completed, T0.AddSeconds(4), "a", Rows: 10, ResultsFile: "query-results/q/a.parquet"));
        await tracker.RecordAsync(new QueryEvent("q", QueryEventKind.Started, T0.AddSeconds(4), "b"));
        await tracker.RecordAsync(new QueryEvent("q", QueryEventKind.Failed, T0.AddSeconds(5), "b", Reason: "boom"));
        var midway = (await tracker.GetQueryAsync("q"))!;
        Assert.Equal(QueryState.InProgress, midway.State);
        Assert.Equal([QueryState.Completed, QueryState.Failed, QueryState.Queued], midway.SubQueries.Select(s => s.State));
        Assert.Null(midway.Finished);

        await tracker.RecordAsync(new QueryEvent("q", QueryEventKind.Started, T0.AddSeconds(6), "c"));
        await tracker.RecordAsync(new QueryEvent("q", QueryEventKind.Completed, T0.AddSeconds(9), "c", Rows: 5, ResultsFile: "query-results/q/c.parquet"));
        var ended = (await OpenTracker().GetQueryAsync("q"))!;

        Assert.Equal(QueryState.PartiallyFailed, ended.State);
        Assert.Equal(15, ended.RowsReturned);
        Assert.Equal(T0.AddSeconds(9), ended.Finished);
        Assert.Equal(TimeSpan.FromSeconds(9), ended.Duration);
        Assert.Equal("t", ended.TableName);
        Assert.Equal(["query-results/q/a.parquet", "query-results/q/c.parquet"], ended.ResultsFiles);
        Assert.Contains("boom", ended.Error);
        Assert.Equal("1 of 3 sub-queries failed; first: boom", ended.Error);
    }

    [Fact]
    public async Task A_query_completes_when_all_its_sub_queries_complete_and_fails_when_all_fail()
    {
        var tracker = OpenTracker();
        await tracker.RecordAsync(new QueryEvent("ok", QueryEventKind.Queued, T0));
        await tracker.RecordAsync(new QueryEvent("ok", QueryEventKind.Split, T0.AddSeconds(1), SubQueries: [new SubQueryRef("a", "pa"), new SubQueryRef("b", "pb")]));
        await tracker.RecordAsync(new QueryEvent("ok", QueryEventKind.Completed, T0.AddSeconds(3), "b", Rows: 0, ResultsFile: "b"));
        await tracker.RecordAsync(new QueryEvent("ok", QueryEventKind.Completed, T0.AddSeconds(2), "a", Rows: 7, ResultsFile: "a"));
        await tracker.RecordAsync(new QueryEvent("bad", QueryEventKind.Queued, T0));
        await tracker.RecordAsync(new QueryEvent("bad", QueryEventKind.Split, T0.AddSeconds(1), SubQueries: [new SubQueryRef("a", "pa")]));
        await tracker.RecordAsync(new QueryEvent("bad", QueryEventKind.Failed, T0.AddSeconds(2), "a", Reason: "no"));
        await tracker.RecordAsync(new QueryEvent("gone", QueryEventKind.Queued, T0));
        await tracker.RecordAsync(new QueryEvent("gone", QueryEventKind.Failed, T0.AddSeconds(1), Reason: "table deleted"));
        await tracker.RecordAsync(new QueryEvent("none", QueryEventKind.Queued, T0));
        await tracker.RecordAsync(new QueryEvent("none", QueryEventKind.Split, T0.AddSeconds(1), SubQueries: []));

        var ok = (await tracker.GetQueryAsync("ok"))!;
        Assert.Equal(QueryState.Completed, ok.State);
        Assert.Equal(7, ok.RowsReturned);
        Assert.Equal(T0.AddSeconds(3), ok.Finished);
        Assert.Equal(["a", "b"], ok.ResultsFiles);
        Assert.Equal(QueryState.Failed, (await tracker.GetQueryAsync("bad"))!.State);
        var gone = (await tracker.GetQueryAsync("gone"))!;
        Assert.Equal(QueryState.Failed, gone.State);
        Assert.Equal("table deleted", gone.Error);
        Assert.Equal(QueryState.Completed, (await tracker.GetQueryAsync("none"))!.State);
    }

    [Fact]
    public async Task A_sub_query_run_again_after_its_worker_died_is_judged_by_its_newest_run()
    {
        var tracker = OpenTracker();
        await tracker.RecordAsync(new QueryEvent("q", QueryEventKind.Queued, T0));
        await tracker.RecordAsync(new QueryEvent("q", QueryEventKind.Split, T0, SubQueries: [new SubQueryRef("a", "pa")]));
        await tracker.RecordAsync(new QueryEvent("q", QueryEventKind.Started, T0.AddSeconds(1), "a", TaskId: "dead"));
        await tracker.RecordAsync(new QueryEvent("q", QueryEventKind.Completed, T0.AddSeconds(2), "a", Rows: 1, ResultsFile: "f"));
        await tracker.RecordAsync(new QueryEvent("q", QueryEventKind.Started, T0.AddSeconds(3), "a", TaskId: "second"));
        Assert.Equal(QueryState.InProgress, (await tracker.GetQueryAsync("q"))!.State);
        await tracker.RecordAsync(new QueryEvent("q", QueryEventKind.Completed, T0.AddSeconds(4), "a", TaskId: "second", Rows: 2, ResultsFile: "f"));
        var status = (await tracker.GetQueryAsync("q"))!;
        Assert.Equal(QueryState.Completed, status.State);
        Assert.Equal(2, status.RowsReturned);
        Assert.Equal("second", status.SubQueries.Single().TaskId);
    }

    private static void AssertSame(QueryEvent expected, QueryEvent actual)
    {
        Assert.Equal(expected with { SubQueries = null }, actual with { SubQueries = null });
        Assert.Equal(expected.Time.UtcTicks, actual.Time.UtcTicks);
        Assert.Equal(expected.SubQueries ?? [], actual.SubQueries ?? []);
    }
}
