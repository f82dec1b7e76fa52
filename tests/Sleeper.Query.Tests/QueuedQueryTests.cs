using Sleeper.Core;
using Sleeper.Core.Batches;
using Sleeper.Core.Jobs;
using Sleeper.Core.Keys;
using Sleeper.Core.Partitions;
using Sleeper.Core.Properties;
using Sleeper.Core.Query;
using Sleeper.Core.Schema;
using Sleeper.Core.Tables;
using Sleeper.Core.Tracking;
using Sleeper.Ingest;
using Sleeper.Instance;
using Sleeper.Parquet;
using Xunit;
using Field = Sleeper.Core.Schema.Field;

namespace Sleeper.Query.Tests;

/// <summary>
/// Queued queries on a real embedded instance: submitted, split into leaf sub-queries, run by several workers at
/// once, their Parquet results compared with a direct run of the executor and with a sorted list of the rows, and
/// the tracker's states, including a sub-query that fails.
/// </summary>
public sealed class QueuedQueryTests : IAsyncLifetime
{
    private static readonly TableSchema Schema = new(
        [new Field("key", LongType.Instance)],
        [new Field("sort", IntType.Instance)],
        [new Field("value", StringType.Instance)]);

    private readonly TempFolder _temp = new();
    private SleeperInstance _instance = null!;
    private SleeperTable _table = null!;
    private List<Row> _rows = null!;

    public async Task InitializeAsync()
    {
        _instance = await EmbeddedInstance.CreateAsync(Path.Combine(_temp.Path, "instance"));
        var properties = SleeperProperties.ForTable();
        properties.Set(TableProperty.RowGroupRowsMax.Name, "50");
        properties.Set(TableProperty.IngestFileWritingStrategy.Name, IngestRunner.OneFilePerLeaf);
        _table = await _instance.CreateTableAsync("t", Schema, properties, PartitionsBuilder.FromSplitPoints(Schema, [100L, 200L, 300L]));
        var random = new Random(7);
        _rows = Enumerable.Range(0, 400).Select(i => new Row([(long)i, i % 3, $"v{i}"]))
            .Concat(Enumerable.Range(0, 100).Select(i => new Row([(long)(i * 4), -1, $"again{i}"])))
            .OrderBy(_ => random.Next()).ToList();
        await new IngestRunner(_table).IngestBatchesAsync([ModelTable.Batch(Schema, _rows)]);
    }

    public async Task DisposeAsync()
    {
        await _instance.DisposeAsync();
        _temp.Dispose();
    }

    private QuerySubmitter Submitter => new(_instance.Queue(QueueNames.Query), _instance.QueryTracker);

    private QueryResults Results => new(_instance.Objects, _instance.QueryTracker);

    private QueryWorker Worker(Func<string, CancellationToken, Task<SleeperTable>>? openTable = null) => new(
        _instance.Queue(QueueNames.Query), _instance.QueryTracker, _instance.QueryTaskTracker,
        openTable ?? ((id, ct) => _instance.OpenTableByIdAsync(id, ct)), _instance.Objects)
    {
        PollInterval = TimeSpan.FromMilliseconds(10),
    };

    private static async Task<List<QueryWorkerResult>> RunWorkersAsync(params QueryWorker[] workers) =>
        [.. await Task.WhenAll(workers.Select(w => w.RunAsync(TimeSpan.FromMilliseconds(300))))];

    private static Region Range(long min, long max) =>
        Region.ForFirstFieldRange(Schema, new KeyRange(Schema.RowKeyFields[0], min, true, max, false));

    private static async Task<List<string>> RowsOf(IAsyncEnumerable<Apache.Arrow.RecordBatch> batches)
    {
        var rows = new List<string>();
        await foreach (var batch in batches)
        {
            using (batch)
            {
                rows.AddRange(Enumerable.Range(0, batch.Length).Select(i => ModelValues.Canonical(BatchRows.GetRow(batch, i))));
            }
        }
        return rows;
    }

    /// <summary>The sorted-list model: the rows in the regions, in key then sort-key order.</summary>
    private List<string> Model(IReadOnlyList<Region> regions, Func<Row, Row>? project = null) =>
        _rows.Where(r => regions.Any(g => g.Contains(new Key([r.Values[0]!]))))
            .Order(Comparer<Row>.Create((a, b) => ModelTable.CompareKeys(Schema, a, b)))
            .Select(project ?? (r => r)).Select(ModelValues.Canonical).ToList();

    [Fact]
    public async Task A_query_over_several_leaves_is_split_and_run_by_several_workers_into_the_rows_of_a_direct_run()
    {
        var regions = new[] { Range(50, 250), Range(320, 330), Range(325, 340) };
        var request = QueryRequest.ForRegions("t", regions);
        var id = await Submitter.SubmitAsync(_table, request);
        var other = await Submitter.SubmitAsync(_table, QueryRequest.ForRegions("t", [Region.Whole(Schema)], ["key", "value"]));
        Assert.Equal(QueryState.Queued, (await _instance.QueryTracker.GetQueryAsync(id))!.State);

        var outcomes = await RunWorkersAsync(Worker(), Worker(), Worker());

        var status = (await _instance.QueryTracker.GetQueryAsync(id))!;
        Assert.Equal(QueryState.Completed, status.State);
        // [50, 250) meets three leaves and [320, 340) the fourth.
        Assert.Equal(4, status.SubQueries.Count);
        Assert.All(status.SubQueries, s => Assert.Equal(QueryState.Completed, s.State));
        Assert.All(status.ResultsFiles, f => Assert.StartsWith($"query-results/{id}/", f));
        var direct = await RowsOf(new QueryExecutor(_table).RunAsync(request));
        var queued = await RowsOf(Results.ReadAsync(id));
        Assert.Equal(direct, queued);
        Assert.Equal(Model(regions), queued);
        Assert.Equal(direct.Count, status.RowsReturned);
        Assert.NotNull(status.Finished);

        var whole = (await _instance.QueryTracker.GetQueryAsync(other))!;
        Assert.Equal(QueryState.Completed, whole.State);
        Assert.Equal(4, whole.SubQueries.Count);
        Assert.Equal(Model([Region.Whole(Schema)], r => new Row([r.Values[0], r.Values[2]])), await RowsOf(Results.ReadAsync(other)));
        Assert.Equal(8, outcomes.Sum(o => o.SubQueriesRun));
        Assert.Equal(0, outcomes.Sum(o => o.Failed));
        Assert.Equal(whole.RowsReturned + status.RowsReturned, outcomes.Sum(o => o.RowsReturned));

        // Each results file is in key order and written as the table writes.
        var file = status.ResultsFiles[0];
        using var reader = await SortedParquetReader.OpenAsync(_instance.Objects, file, Schema);
        Assert.True(reader.RowGroups.Count > 1, "the table's row group size of 50 rows applies to the results too");
    }

    [Fact]
    public async Task Random_queued_queries_return_what_the_sorted_list_model_holds()
    {
        var random = new Random(11);
        var field = Schema.RowKeyFields[0];
        KeyRange RandomRange()
        {
            var a = (long)random.Next(-20, 420);
            var b = a + random.Next(0, 150);
            return new KeyRange(field, a, random.Next(2) == 0, random.Next(8) == 0 ? null : b, random.Next(2) == 0);
        }
        var queries = new List<(string Id, List<Region> Regions, string[]? Fields)>();
        for (var i = 0; i < 12; i++)
        {
            var regions = Enumerable.Range(0, random.Next(1, 4)).Select(_ => RandomRange()).Where(r => !r.IsEmpty())
                .Select(r => Region.ForFirstFieldRange(Schema, r)).ToList();
            if (regions.Count == 0)
            {
                continue;
            }
            string[]? fields = random.Next(3) switch { 0 => null, 1 => ["key", "value"], _ => ["value", "sort", "key"] };
            queries.Add((await Submitter.SubmitAsync(_table, QueryRequest.ForRegions("t", regions, fields)), regions, fields));
        }

        await RunWorkersAsync(Worker(), Worker());

        foreach (var (id, regions, fields) in queries)
        {
            var status = (await _instance.QueryTracker.GetQueryAsync(id))!;
            Assert.Equal(QueryState.Completed, status.State);
            var indexes = fields?.Select(Schema.IndexOf).ToArray();
            var expected = Model(regions, indexes is null ? null : r => new Row(indexes.Select(i => r.Values[i]).ToArray()));
            Assert.Equal(expected, await RowsOf(Results.ReadAsync(id)));
            Assert.Equal(expected.Count, status.RowsReturned);
        }
    }

    [Fact]
    public async Task A_sub_query_that_fails_leaves_the_query_partially_failed_with_the_other_leaves_rows()
    {
        // The leaf [100, 200) loses its only file: its sub-query fails, the others complete.
        var state = await _table.StateStore.GetStateAsync();
        var doomed = state.Files.Values.Where(f => f.References.Values.All(r => state.Partitions[r.PartitionId].Region.Contains(new Key([150L])))).ToList();
        Assert.NotEmpty(doomed);
        foreach (var f in doomed)
        {
            await _instance.Objects.DeleteAsync(f.Filename);
        }
        var id = await Submitter.SubmitAsync(_table, QueryRequest.ForRegions("t", [Region.Whole(Schema)]));

        var outcomes = await RunWorkersAsync(Worker(), Worker());

        var status = (await _instance.QueryTracker.GetQueryAsync(id))!;
        Assert.Equal(QueryState.PartiallyFailed, status.State);
        var failed = Assert.Single(status.SubQueries, s => s.State == QueryState.Failed);
        Assert.Contains(doomed[0].Filename, failed.Error);
        Assert.Contains(doomed[0].Filename, status.Error);
        Assert.Equal(3, status.SubQueries.Count(s => s.State == QueryState.Completed));
        Assert.Equal(1, outcomes.Sum(o => o.Failed));
        var expected = Model([Range(0, 100), Range(200, long.MaxValue)]);
        Assert.Equal(expected.Count, status.RowsReturned);
        var error = await Assert.ThrowsAsync<SleeperException>(async () => await RowsOf(Results.ReadAsync(id)));
        Assert.Contains("PARTIALLY_FAILED", error.Message);
        Assert.Equal(expected, await RowsOf(Results.ReadAsync(id, requireComplete: false)));
    }

    [Fact]
    public async Task An_empty_result_completes_with_an_empty_file_and_a_discarded_one_only_counts_its_rows()
    {
        var empty = await Submitter.SubmitAsync(_table, QueryRequest.ForRegions("t", [Range(1000, 2000)]));
        var emptyOverLeaves = await Submitter.SubmitAsync(_table, QueryRequest.ForRegions("t", [Range(401, 500), Range(-50, -1)]));
        var discarded = await Submitter.SubmitAsync(_table, QueryRequest.ForRegions("t", [Range(0, 150)]), QueryDestination.Discard);

        await RunWorkersAsync(Worker());

        var status = (await _instance.QueryTracker.GetQueryAsync(empty))!;
        Assert.Equal(QueryState.Completed, status.State);
        Assert.Equal(0, status.RowsReturned);
        var file = Assert.Single(status.ResultsFiles);
        Assert.NotNull(await _instance.Objects.GetInfoAsync(file));
        Assert.Empty(await RowsOf(Results.ReadAsync(empty)));
        Assert.Equal(QueryState.Completed, (await _instance.QueryTracker.GetQueryAsync(emptyOverLeaves))!.State);

        var counted = (await _instance.QueryTracker.GetQueryAsync(discarded))!;
        Assert.Equal(QueryState.Completed, counted.State);
        Assert.Equal(Model([Range(0, 150)]).Count, counted.RowsReturned);
        Assert.Empty(counted.ResultsFiles);
        await foreach (var _ in _instance.Objects.ListAsync($"query-results/{discarded}/"))
        {
            Assert.Fail("a discarded query writes no file");
        }
    }

    [Fact]
    public async Task A_sub_query_replans_against_the_state_when_it_runs_and_sees_rows_committed_since_the_split()
    {
        var id = await Submitter.SubmitAsync(_table, QueryRequest.ForRegions("t", [Region.Whole(Schema)]));
        var added = new List<Row> { new([123L, 9, "late"]), new([350L, 9, "late too"]) };
        var opened = 0;
        // The parent opens the table first; before the first sub-query opens it, more rows are committed.
        var worker = Worker(async (tableId, ct) =>
        {
            if (Interlocked.Increment(ref opened) == 2)
            {
                await new IngestRunner(_table).IngestBatchesAsync([ModelTable.Batch(Schema, added)], cancellationToken: ct);
            }
            return await _instance.OpenTableByIdAsync(tableId, ct);
        });

        await RunWorkersAsync(worker);

        _rows.AddRange(added);
        Assert.Equal(QueryState.Completed, (await _instance.QueryTracker.GetQueryAsync(id))!.State);
        Assert.Equal(Model([Region.Whole(Schema)]), await RowsOf(Results.ReadAsync(id)));
    }

    [Fact]
    public async Task A_query_of_a_deleted_table_fails_and_a_query_id_cannot_be_used_twice()
    {
        var id = await Submitter.SubmitAsync(_table, QueryRequest.ForRegions("t", [Range(0, 10)]) with { QueryId = "fixed-id" });
        Assert.Equal("fixed-id", id);
        var again = await Assert.ThrowsAsync<SleeperException>(() => Submitter.SubmitAsync(_table, QueryRequest.ForRegions("t", [Range(0, 10)]) with { QueryId = "fixed-id" }));
        Assert.Contains("fixed-id", again.Message);
        await Assert.ThrowsAsync<SleeperException>(() => Submitter.SubmitAsync(_table, QueryRequest.ForRegions("t", [Range(0, 10)]) with { QueryId = "../escape" }));
        await Assert.ThrowsAsync<SleeperException>(() => Submitter.SubmitAsync(_table, QueryRequest.ForRegions("t", [Range(0, 10)], ["nope"])));
        // An iterator that cannot be loaded and an empty authorisation are refused before anything is queued.
        var iterator = await Assert.ThrowsAnyAsync<SleeperException>(() => Submitter.SubmitAsync(_table, QueryRequest.ForRegions("t", [Range(0, 10)]) with { IteratorClassName = "no.Such" }));
        Assert.Contains("no.Such", iterator.Message);
        await Assert.ThrowsAnyAsync<SleeperException>(() => Submitter.SubmitAsync(_table, QueryRequest.ForRegions("t", [Range(0, 10)]) with { Authorisations = [""] }));
        Assert.Single(await _instance.QueryTracker.ListQueriesAsync());
        await _instance.DeleteTableAsync("t");

        var outcomes = await RunWorkersAsync(Worker());

        var status = (await _instance.QueryTracker.GetQueryAsync(id))!;
        Assert.Equal(QueryState.Failed, status.State);
        Assert.Contains(_table.Id, status.Error);
        Assert.Equal(1, outcomes.Single().Failed);
    }

    [Fact]
    public async Task A_query_whose_workers_keep_dying_goes_to_the_dead_letters_and_is_recorded_failed()
    {
        var id = await Submitter.SubmitAsync(_table, QueryRequest.ForRegions("t", [Range(0, 50)]));
        var queue = _instance.Queue(QueueNames.Query);
        // Workers that die with the query in hand: received, never deleted, handed back by the timeout each time.
        for (var attempt = 0; attempt < Sleeper.Jobs.FileJobQueue.DefaultMaxReceiveCount; attempt++)
        {
            var message = await queue.ReceiveAsync(TimeSpan.FromMinutes(1));
            Assert.NotNull(message);
            await queue.ReleaseAsync(message);
        }

        // The receive that finds it over its limit moves it to the dead letters silently, as SQS does; the next
        // worker's sweep at its start finds it there.
        var outcome = Assert.Single(await RunWorkersAsync(Worker()));
        await RunWorkersAsync(Worker());

        var status = (await _instance.QueryTracker.GetQueryAsync(id))!;
        Assert.Equal(QueryState.Failed, status.State);
        Assert.Contains("dead letters", status.Error);
        Assert.Equal(0, outcome.SubQueriesRun);
        var recorded = await _instance.QueryTaskTracker.ReadJobEventsAsync(_table.Id);
        Assert.Contains(recorded, e => e.JobId == id && e.Kind == JobEventKind.DeadLettered);
    }

    [Fact]
    public async Task A_sub_query_delivered_twice_runs_twice_into_the_same_file_and_the_query_stays_complete()
    {
        var request = QueryRequest.ForRegions("t", [Region.Whole(Schema)]);
        var id = await Submitter.SubmitAsync(_table, request);
        var waiting = Results.WaitAsync(id, TimeSpan.FromMilliseconds(20));
        await RunWorkersAsync(Worker(), Worker());
        var first = await waiting;
        Assert.Equal(QueryState.Completed, first.State);

        // The queue delivers at least once: the same sub-query message again, as a redelivery would.
        var sub = first.SubQueries[1];
        var message = new QueryMessage(id, sub.SubQueryId, _table.Id, "t",
            request with { QueryId = id, Regions = [RegionIntersection.Intersect(Region.Whole(Schema), (await _table.StateStore.GetStateAsync()).Partitions[sub.PartitionId!].Region)] },
            QueryDestination.Store, sub.PartitionId);
        await _instance.Queue(QueueNames.Query).SendAsync(QueryMessageSerDe.ToJson(message, Schema));
        await RunWorkersAsync(Worker());

        var again = (await _instance.QueryTracker.GetQueryAsync(id))!;
        Assert.Equal(QueryState.Completed, again.State);
        Assert.Equal(first.RowsReturned, again.RowsReturned);
        Assert.Equal(first.ResultsFiles, again.ResultsFiles);
        Assert.Equal(Model([Region.Whole(Schema)]), await RowsOf(Results.ReadAsync(id)));
    }

    [Fact]
    public async Task The_query_message_keeps_the_whole_request_including_authorisations()
    {
        var request = new QueryRequest("t", "q", [Range(5, 9), Region.ForKey(Schema, new Key([7L]))], ["value"], "some.Iterator", "conf",
            new Dictionary<string, string> { ["destination"] = "S3" }, [])
        {
            Authorisations = ["A", "B&C"],
            Fields = ["key", "value"],
        };
        var message = new QueryMessage("q", "sub", _table.Id, "t", request, QueryDestination.Discard, "leaf");

        var back = QueryMessageSerDe.FromJson(QueryMessageSerDe.ToJson(message, Schema), Schema);

        Assert.Equal(message with { Request = null! }, back with { Request = null! });
        Assert.Equal(request.Regions, back.Request.Regions);
        Assert.Equal(request.RequestedValueFields, back.Request.RequestedValueFields);
        Assert.Equal(request.Fields, back.Request.Fields);
        Assert.Equal(request.Authorisations, back.Request.Authorisations);
        Assert.Equal(("some.Iterator", "conf"), (back.Request.IteratorClassName, back.Request.IteratorConfig));
        Assert.Equal(request.ResultsPublisherConfig, back.Request.ResultsPublisherConfig);
        Assert.Equal(new QueryMessageHeader("q", "sub", _table.Id, "t", "leaf"), QueryMessageSerDe.ReadHeader(QueryMessageSerDe.ToJson(message, Schema)));
    }
}
