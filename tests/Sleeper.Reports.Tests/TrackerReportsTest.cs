using System.Text.Json.Nodes;
using Microsoft.Extensions.Time.Testing;
using Sleeper.Core;
using Sleeper.Core.Compaction;
using Sleeper.Core.Ingest;
using Sleeper.Core.Ingest.Batcher;
using Sleeper.Core.Jobs;
using Sleeper.Core.Partitions;
using Sleeper.Core.Properties;
using Sleeper.Core.Schema;
using Sleeper.Core.Tables;
using Sleeper.Core.Tracking;
using Sleeper.Instance;

namespace Sleeper.Reports.Tests;

/// <summary>
/// The reports read from trackers, queues and the ingest batcher, against states recorded by hand at known times
/// on a test clock: every value of each report's JSON is asserted.
/// </summary>
public sealed class TrackerReportsTest : IAsyncLifetime
{
    private static readonly TableSchema Schema = new([new Field("key", StringType.Instance)], [], [new Field("value", LongType.Instance)]);
    private static readonly DateTimeOffset T0 = new(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);
    private readonly TempFolder _folder = new();
    private readonly FakeTimeProvider _time = new(T0);
    private SleeperInstance _instance = null!;
    private SleeperTable _table = null!;

    public async Task InitializeAsync()
    {
        _instance = await EmbeddedInstance.CreateAsync(_folder.Combine("instance"), _time);
        _table = await _instance.CreateTableAsync("t", Schema, SleeperProperties.ForTable(), PartitionsBuilder.SingleRoot(Schema));
        await _instance.CreateTableAsync("other", Schema, SleeperProperties.ForTable(), PartitionsBuilder.SingleRoot(Schema));
    }

    public async Task DisposeAsync()
    {
        await _instance.DisposeAsync();
        _folder.Dispose();
    }

    private Task<JsonNode> ReportAsync(string report, IReadOnlyList<string>? tables = null, string? queryId = null) =>
        StatusReports.BuildAsync(_instance, report, tables ?? ["t"], queryId, default);

    private static DateTimeOffset At(int seconds) => T0.AddSeconds(seconds);

    [Fact]
    public async Task Compaction_jobs_show_each_jobs_life_rows_and_rate()
    {
        var tracker = _instance.CompactionTracker;
        await tracker.RecordAsync(new JobEvent(_table.Id, "job-1", JobEventKind.Created, At(0), PartitionId: "root", InputFiles: 2));
        await tracker.RecordAsync(new JobEvent(_table.Id, "job-1", JobEventKind.Started, At(1), TaskId: "task-1", PartitionId: "root"));
        await tracker.RecordAsync(new JobEvent(_table.Id, "job-1", JobEventKind.Finished, At(3), TaskId: "task-1", RowsRead: 100, RowsWritten: 90));
        await tracker.RecordAsync(new JobEvent(_table.Id, "job-1", JobEventKind.Committed, At(4), TaskId: "task-1"));
        await tracker.RecordAsync(new JobEvent(_table.Id, "job-2", JobEventKind.Created, At(5), PartitionId: "root", InputFiles: 3));
        await tracker.RecordAsync(new JobEvent(_table.Id, "job-2", JobEventKind.Started, At(6), TaskId: "task-1"));
        await tracker.RecordAsync(new JobEvent(_table.Id, "job-2", JobEventKind.Failed, At(7), TaskId: "task-1", Reason: "disk full"));
        // Another table's job is not in this table's report.
        var other = await _instance.GetTableStatusAsync("other");
        await tracker.RecordAsync(new JobEvent(other.TableId, "job-3", JobEventKind.Created, At(8), PartitionId: "root", InputFiles: 2));

        var jobs = await ReportAsync("compaction-jobs");

        Assert.Equal(
            $$"""[{"jobId":"job-1","tableId":"{{_table.Id}}","partitionId":"root","state":"committed","inputFiles":2,"created":"2026-01-02 03:04:05.000","started":"2026-01-02 03:04:06.000","finished":"2026-01-02 03:04:08.000","committed":"2026-01-02 03:04:09.000","failed":null,"failureReason":null,"attempts":1,"taskId":"task-1","rowsRead":100,"rowsWritten":90,"rowsPerSecond":50},""" +
            $$"""{"jobId":"job-2","tableId":"{{_table.Id}}","partitionId":"root","state":"failed","inputFiles":3,"created":"2026-01-02 03:04:10.000","started":"2026-01-02 03:04:11.000","finished":null,"committed":null,"failed":"2026-01-02 03:04:12.000","failureReason":"disk full","attempts":1,"taskId":"task-1","rowsRead":null,"rowsWritten":null,"rowsPerSecond":null}]""",
            jobs.ToJsonString());
        Assert.Equal(3, (await ReportAsync("compaction-jobs", ["t", "other"])).AsArray().Count);
    }

    [Fact]
    public async Task Compaction_and_ingest_tasks_show_each_tasks_run_from_their_own_tracker()
    {
        await _instance.CompactionTracker.RecordAsync(new TaskEvent("task-1", false, At(0)));
        await _instance.CompactionTracker.RecordAsync(new TaskEvent("task-1", true, At(10), JobsRun: 2, RowsRead: 100, RowsWritten: 90));
        await _instance.CompactionTracker.RecordAsync(new TaskEvent("task-2", false, At(20)));
        await _instance.IngestTracker.RecordAsync(new TaskEvent("ingest-task", false, At(30)));

        Assert.Equal(
            """[{"taskId":"task-1","started":"2026-01-02 03:04:05.000","finished":"2026-01-02 03:04:15.000","jobsRun":2,"rowsRead":100,"rowsWritten":90},""" +
            """{"taskId":"task-2","started":"2026-01-02 03:04:25.000","finished":null,"jobsRun":null,"rowsRead":null,"rowsWritten":null}]""",
            (await ReportAsync("compaction-tasks")).ToJsonString());
        Assert.Equal(
            """[{"taskId":"ingest-task","started":"2026-01-02 03:04:35.000","finished":null,"jobsRun":null,"rowsRead":null,"rowsWritten":null}]""",
            (await ReportAsync("ingest-tasks")).ToJsonString());
    }

    [Fact]
    public async Task Ingest_and_bulk_import_jobs_show_their_files_and_table_name()
    {
        await _instance.IngestTracker.RecordAsync(new JobEvent(_table.Id, "ingest-1", JobEventKind.Created, At(0), InputFiles: 1, Files: ["/in/a.parquet"]));
        await _instance.IngestTracker.RecordAsync(new JobEvent(_table.Id, "ingest-1", JobEventKind.Started, At(2), TaskId: "w", Files: ["/in/a.parquet"]));
        await _instance.BulkImportTracker.RecordAsync(new JobEvent(_table.Id, "bulk-1", JobEventKind.Created, At(1), InputFiles: 2, Files: ["/in/b.parquet", "/in/c.parquet"]));

        Assert.Equal(
            $$"""[{"jobId":"ingest-1","tableId":"{{_table.Id}}","tableName":"t","files":["/in/a.parquet"],"state":"running","inputFiles":1,"created":"2026-01-02 03:04:05.000","started":"2026-01-02 03:04:07.000","finished":null,"committed":null,"failed":null,"failureReason":null,"attempts":1,"taskId":"w","rowsRead":null,"rowsWritten":null,"rowsPerSecond":null}]""",
            (await ReportAsync("ingest-jobs")).ToJsonString());
        Assert.Equal(
            $$"""[{"jobId":"bulk-1","tableId":"{{_table.Id}}","tableName":"t","files":["/in/b.parquet","/in/c.parquet"],"state":"pending","inputFiles":2,"created":"2026-01-02 03:04:06.000","started":null,"finished":null,"committed":null,"failed":null,"failureReason":null,"attempts":0,"taskId":null,"rowsRead":null,"rowsWritten":null,"rowsPerSecond":null}]""",
            (await ReportAsync("bulk-import-jobs")).ToJsonString());
    }

    [Fact]
    public async Task The_ingest_batcher_shows_pending_files_and_batched_files_with_their_jobs()
    {
        var store = _instance.IngestBatcher;
        var a = new FileIngestRequest("/in/a.parquet", 100, _table.Id, At(0));
        var b = new FileIngestRequest("/in/b.parquet", 200, _table.Id, At(1));
        await store.AddFilesAsync(_table.Id, [a, b]);
        Assert.True(await store.TryAssignJobsAsync(_table.Id, [new IngestBatcherJob("batch-1", _table.Id, "ingest", [a], At(2))]));
        await store.MarkJobsSentAsync(_table.Id, ["batch-1"], At(3));

        Assert.Equal(
            """{"pending":[{"file":"/in/b.parquet","fileSizeBytes":200,"receivedTime":"2026-01-02T03:04:06.000Z"}]""" +
            ""","batched":[{"file":"/in/a.parquet","fileSizeBytes":100,"receivedTime":"2026-01-02T03:04:05.000Z","jobId":"batch-1","queue":"ingest","jobCreatedTime":"2026-01-02T03:04:07.000Z","sentTime":"2026-01-02T03:04:08.000Z"}]}""",
            (await ReportAsync("ingest-batcher")).ToJsonString());
        // Several tables: one such object per table name.
        var both = (await ReportAsync("ingest-batcher", ["t", "other"])).AsObject();
        Assert.Equal(["t", "other"], both.Select(p => p.Key));
        Assert.Equal("""{"pending":[],"batched":[]}""", both["other"]!.ToJsonString());
    }

    [Fact]
    public async Task Dead_letters_name_their_job_and_table_and_show_an_unreadable_body_as_it_is()
    {
        var compaction = new CompactionJob("cj", _table.Id, "t", "root", ["f1"], "out", At(0));
        await DeadLetterAsync(QueueNames.Compaction, CompactionJobSerDe.ToJson(compaction));
        _time.Advance(TimeSpan.FromSeconds(1));
        await DeadLetterAsync(QueueNames.Ingest, IngestJobSerDe.ToJson(new IngestJob("ij", "t", null, ["/in/a.parquet"])));
        _time.Advance(TimeSpan.FromSeconds(1));
        var junk = await DeadLetterAsync(QueueNames.Ingest, "not json");

        var all = (await StatusReports.BuildAsync(_instance, "dead-letters", null, null, default)).AsArray();

        Assert.Equal(3, all.Count);
        Assert.Equal(
            $$"""{"queue":"compaction","messageId":"{{all[0]!["messageId"]}}","receiveCount":3,"sentTime":"2026-01-02 03:04:05.000","jobId":"cj","tableId":"{{_table.Id}}","tableName":"t","body":null}""",
            all[0]!.ToJsonString());
        Assert.Equal(("ij", _table.Id, "t"), (all[1]!["jobId"]!.GetValue<string>(), all[1]!["tableId"]!.GetValue<string>(), all[1]!["tableName"]!.GetValue<string>()));
        Assert.Equal(
            $$"""{"queue":"ingest","messageId":"{{junk}}","receiveCount":3,"sentTime":"2026-01-02 03:04:07.000","jobId":null,"tableId":null,"tableName":null,"body":"not json"}""",
            all[2]!.ToJsonString());
        // By table: only letters that name it.
        Assert.Equal(2, (await ReportAsync("dead-letters")).AsArray().Count);
        Assert.Empty((await ReportAsync("dead-letters", ["other"])).AsArray());
        Assert.Equal(
            """{"compaction":{"visible":0,"inFlight":0,"deadLetters":1},"ingest":{"visible":0,"inFlight":0,"deadLetters":2},"bulk-import":{"visible":0,"inFlight":0,"deadLetters":0},"query":{"visible":0,"inFlight":0,"deadLetters":0}}""",
            (await ReportAsync("queues")).ToJsonString());
    }

    [Fact]
    public async Task Queries_list_each_tracked_query_and_one_query_shows_its_sub_queries()
    {
        var tracker = _instance.QueryTracker;
        await tracker.RecordAsync(new QueryEvent("q1", QueryEventKind.Queued, At(0), TableName: "t", Destination: "Store"));
        await tracker.RecordAsync(new QueryEvent("q1", QueryEventKind.Started, At(1), TaskId: "qt"));
        await tracker.RecordAsync(new QueryEvent("q1", QueryEventKind.Split, At(1), SubQueries: [new SubQueryRef("s1", "L"), new SubQueryRef("s2", "R")]));
        await tracker.RecordAsync(new QueryEvent("q1", QueryEventKind.Started, At(2), SubQueryId: "s1", TaskId: "qt"));
        await tracker.RecordAsync(new QueryEvent("q1", QueryEventKind.Completed, At(3), SubQueryId: "s1", TaskId: "qt", Rows: 7, ResultsFile: "query-results/q1/s1.parquet"));
        await tracker.RecordAsync(new QueryEvent("q1", QueryEventKind.Started, At(2), SubQueryId: "s2", TaskId: "qt"));
        await tracker.RecordAsync(new QueryEvent("q1", QueryEventKind.Failed, At(4), SubQueryId: "s2", TaskId: "qt", Reason: "file gone"));
        await tracker.RecordAsync(new QueryEvent("q2", QueryEventKind.Queued, At(5), TableName: "other", Destination: "Discard"));

        Assert.Equal(
            """[{"queryId":"q1","tableName":"t","state":"PARTIALLY_FAILED","queued":"2026-01-02 03:04:05.000","started":"2026-01-02 03:04:06.000","finished":"2026-01-02 03:04:09.000","durationMs":4000,"rowsReturned":7,"destination":"Store","subQueries":2,"subQueriesCompleted":1,"subQueriesFailed":1,"error":"1 of 2 sub-queries failed; first: file gone"}]""",
            (await ReportAsync("queries")).ToJsonString());
        Assert.Equal(2, (await StatusReports.BuildAsync(_instance, "queries", null, null, default)).AsArray().Count);
        var one = await ReportAsync("queries", null, "q1");
        Assert.Equal(
            """[{"subQueryId":"s1","partitionId":"L","state":"COMPLETED","started":"2026-01-02 03:04:07.000","finished":"2026-01-02 03:04:08.000","rows":7,"resultsFile":"query-results/q1/s1.parquet","taskId":"qt","error":null},""" +
            """{"subQueryId":"s2","partitionId":"R","state":"FAILED","started":"2026-01-02 03:04:07.000","finished":"2026-01-02 03:04:09.000","rows":null,"resultsFile":null,"taskId":"qt","error":"file gone"}]""",
            one["subQueries"]!.ToJsonString());
        Assert.Equal("""["query-results/q1/s1.parquet"]""", one["resultsFiles"]!.ToJsonString());
        var missing = await Assert.ThrowsAsync<SleeperException>(() => ReportAsync("queries", null, "nope"));
        Assert.Contains("'nope'", missing.Message);
    }

    [Fact]
    public async Task The_instance_report_has_queues_dead_letters_and_every_tables_metrics()
    {
        await _instance.Queue(QueueNames.Query).SendAsync("{}");

        var status = await StatusReports.InstanceAsync(_instance, default);

        Assert.Equal("""{"visible":1,"inFlight":0,"deadLetters":0}""", status["queues"]!["query"]!.ToJsonString());
        Assert.Equal("[]", status["deadLetters"]!.ToJsonString());
        Assert.Equal(["other", "t"], status["tables"]!.AsObject().Select(p => p.Key).Order(StringComparer.Ordinal));
        Assert.Equal(
            $$$"""{"id":"{{{_table.Id}}}","online":true,"metrics":{"fileCount":0,"referenceCount":0,"rowCount":0,"partitionCount":1,"leafPartitionCount":1,"averageReferencesPerPartition":0,"maxReferencesPerPartition":0}}""",
            status["tables"]!["t"]!.ToJsonString());
        var unknown = await Assert.ThrowsAsync<SleeperException>(() => ReportAsync("nonsense"));
        Assert.Contains("metrics", unknown.Message);
    }

    private async Task<string> DeadLetterAsync(string queueName, string body)
    {
        var queue = _instance.Queue(queueName);
        var id = await queue.SendAsync(body);
        while (await queue.ReceiveAsync(TimeSpan.FromMinutes(1)) is { } message)
        {
            await queue.ReleaseAsync(message);
        }
        return id;
    }
}
