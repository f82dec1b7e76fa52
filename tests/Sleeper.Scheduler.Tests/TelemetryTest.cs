using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Sleeper.Core.Jobs;
using Sleeper.Core.Keys;
using Sleeper.Core.Partitions;
using Sleeper.Core.Properties;
using Sleeper.Core.Query;
using Sleeper.Core.Telemetry;
using Sleeper.Ingest;
using Sleeper.Instance;
using Sleeper.Query;

namespace Sleeper.Scheduler.Tests;

/// <summary>
/// The instruments of <see cref="SleeperTelemetry"/> as an OpenTelemetry SDK would see them, through .NET's own
/// listeners: an ingest job moves the row counter and its spans form one trace from submission to commit; a queued
/// query's spans run from submission through the split to each sub-query. Other tests run at the same time, so
/// everything is picked out by this test's own table, job and query.
/// </summary>
public sealed class TelemetryTest : IDisposable
{
    private readonly ConcurrentQueue<Activity> _spans = new();
    private readonly ConcurrentQueue<(string Instrument, double Value, string? Table)> _measurements = new();
    private readonly ActivityListener _activities;
    private readonly MeterListener _meters = new();

    public TelemetryTest()
    {
        _activities = new ActivityListener
        {
            ShouldListenTo = source => source.Name == SleeperTelemetry.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = _spans.Enqueue,
        };
        ActivitySource.AddActivityListener(_activities);
        _meters.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == SleeperTelemetry.Name)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _meters.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Record(instrument, value, tags));
        _meters.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Record(instrument, value, tags));
        _meters.Start();
    }

    private void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        string? table = null;
        foreach (var tag in tags)
        {
            if (tag.Key == "table")
            {
                table = tag.Value as string;
            }
        }
        _measurements.Enqueue((instrument.Name, value, table));
    }

    private double Sum(string instrument, string table) => _measurements.Where(m => m.Instrument == instrument && m.Table == table).Sum(m => m.Value);

    [Fact]
    public async Task An_ingest_job_counts_its_rows_and_its_spans_link_submission_to_the_worker_and_its_commit()
    {
        using var temp = new TempFolder();
        await using var instance = await SleeperInstance.CreateAsync(temp.Combine("instance"));
        var name = "ingest-" + Guid.NewGuid().ToString("N")[..8];
        var table = await instance.CreateTableAsync(name, SchedulerTestInstance.Schema, SleeperProperties.ForTable(),
            PartitionsBuilder.FromSplitPoints(SchedulerTestInstance.Schema, []));
        var input = temp.File("rows.csv");
        await File.WriteAllTextAsync(input, "key,value\n1,a\n2,b\n3,c\n");

        var job = await new IngestJobSubmitter(instance.Queue(QueueNames.Ingest), instance.IngestTracker, instance.InputFiles)
            .SubmitAsync(table.Status, [input]);
        Assert.NotNull(job.TraceParent);
        Assert.Equal(1, await TaskWorkers.RunAsync(instance, TaskWorkerKind.Ingest, TimeSpan.Zero, CancellationToken.None));

        Assert.Equal(3, Sum("sleeper.rows.ingested", name));
        var submit = Assert.Single(_spans, s => s.OperationName == "ingest.submit" && (string?)s.GetTagItem("sleeper.job.id") == job.Id);
        var run = Assert.Single(_spans, s => s.OperationName == "ingest.job" && (string?)s.GetTagItem("sleeper.job.id") == job.Id);
        Assert.Equal(submit.TraceId, run.TraceId);
        Assert.Equal(submit.SpanId, run.ParentSpanId);
        var commit = Assert.Single(_spans, s => s.OperationName == "statestore.commit" && s.ParentSpanId == run.SpanId);
        Assert.Equal(submit.TraceId, commit.TraceId);
        Assert.Equal("AddFiles", commit.GetTagItem("sleeper.transaction.type") as string);
    }

    [Fact]
    public async Task A_queued_query_is_one_trace_from_submission_through_its_split_to_each_sub_query_and_counts_its_rows()
    {
        using var temp = new TempFolder();
        await using var instance = await SleeperInstance.CreateAsync(temp.Combine("instance"));
        var name = "query-" + Guid.NewGuid().ToString("N")[..8];
        var schema = SchedulerTestInstance.Schema;
        var table = await instance.CreateTableAsync(name, schema, SleeperProperties.ForTable(), PartitionsBuilder.FromSplitPoints(schema, [50L]));
        await SchedulerTestInstance.IngestAsync(table, 0, 100);

        var queryId = await new QuerySubmitter(instance.Queue(QueueNames.Query), instance.QueryTracker)
            .SubmitAsync(table, QueryRequest.ForRegions(name, [Region.Whole(schema)]), QueryDestination.Discard);
        Assert.Equal(2, await TaskWorkers.RunAsync(instance, TaskWorkerKind.Query, TimeSpan.Zero, CancellationToken.None));

        var submit = Assert.Single(_spans, s => s.OperationName == "query.submit" && (string?)s.GetTagItem("sleeper.query.id") == queryId);
        var split = Assert.Single(_spans, s => s.OperationName == "query.split" && (string?)s.GetTagItem("sleeper.query.id") == queryId);
        Assert.Equal(submit.SpanId, split.ParentSpanId);
        var subQueries = _spans.Where(s => s.OperationName == "query.subquery" && (string?)s.GetTagItem("sleeper.query.id") == queryId).ToList();
        Assert.Equal(2, subQueries.Count);
        Assert.All(subQueries, s =>
        {
            Assert.Equal(submit.TraceId, s.TraceId);
            Assert.Equal(split.SpanId, s.ParentSpanId);
            Assert.Contains(_spans, e => e.OperationName == "query.execute" && e.ParentSpanId == s.SpanId);
        });
        Assert.Equal(100, Sum("sleeper.rows.queried", name));
        Assert.Equal(2, _measurements.Count(m => m.Instrument == "sleeper.query.duration" && m.Table == name));
    }

    [Fact]
    public async Task Every_commit_that_loses_its_transaction_number_to_another_committer_is_counted_as_a_conflict()
    {
        using var temp = new TempFolder();
        await using var instance = await SleeperInstance.CreateAsync(temp.Combine("instance"));
        var name = "conflicts-" + Guid.NewGuid().ToString("N")[..8];
        await instance.CreateTableAsync(name, SchedulerTestInstance.Schema, SleeperProperties.ForTable(),
            PartitionsBuilder.FromSplitPoints(SchedulerTestInstance.Schema, []));
        // Two processes' views of one table: each its own state store over the same log, so their appends race.
        var stores = new[] { await instance.OpenTableAsync(name), await instance.OpenTableAsync(name) }.Select(t => t.StateStore).ToArray();
        var before = _measurements.Where(m => m.Instrument == "sleeper.statestore.commit.conflicts").Sum(m => m.Value);
        for (var round = 0; round < 20 && stores.Sum(s => s.ConflictCount) == 0; round++)
        {
            await Task.WhenAll(stores.SelectMany((store, i) => Enumerable.Range(0, 10).Select(n => Task.Run(() => store.CommitAsync(
                new Core.StateStore.Transactions.AddFilesTransaction([new Core.Files.FileReference($"{round}-{i}-{n}.parquet", PartitionsBuilder.RootId, 1)]))))));
        }
        var conflicts = stores.Sum(s => s.ConflictCount);
        Assert.True(conflicts > 0, "Twenty rounds of racing commits never conflicted.");
        // At least these (other tests may race commits of their own meanwhile).
        Assert.True(_measurements.Where(m => m.Instrument == "sleeper.statestore.commit.conflicts").Sum(m => m.Value) - before >= conflicts);
    }

    public void Dispose()
    {
        _activities.Dispose();
        _meters.Dispose();
    }
}
