using Sleeper.Core.Jobs;
using Sleeper.Core.Schema;
using Sleeper.Core.Tracking;
using Xunit;
using Field = Sleeper.Core.Schema.Field;

namespace Sleeper.Ingest.Tests;

/// <summary>The ingest worker runs queued jobs into the table, and rejects a job with a file that does not fit the schema before writing anything.</summary>
public sealed class IngestWorkerTest
{
    [Fact]
    public async Task A_queued_job_of_json_lines_csv_and_parquet_files_commits_every_row_once_and_is_tracked()
    {
        using var table = await QueuedIngestTable.CreateAsync();
        var folder = Path.Combine(table.Inputs, "folder");
        Directory.CreateDirectory(folder);
        table.WriteCsv("folder/b.csv", 120, start: 300);
        await table.WriteParquetAsync("folder/c.parquet", 80, start: 500);
        var job = await table.SubmitAsync(table.WriteJsonLines("a.jsonl", 200), folder);

        var result = await table.Worker(taskId: "worker-1").RunAsync(TimeSpan.Zero);

        Assert.Equal(new IngestWorkerResult("worker-1", 1, 0, 400), result);
        Assert.Equal(QueuedIngestTable.ExpectedRows([.. Enumerable.Range(0, 200), .. Enumerable.Range(300, 120), .. Enumerable.Range(500, 80)]), await table.RowsAsync());
        Assert.Equal(new QueueDepth(0, 0, 0), await table.Queue.GetDepthAsync());
        var status = await table.StatusAsync(job);
        Assert.Equal("committed", status.State);
        Assert.Equal(2, status.InputFiles);
        Assert.Equal(job.Files, status.Files);
        Assert.Equal(400, status.RowsRead);
        Assert.Equal(400, status.RowsWritten);
        Assert.Equal(1, status.Attempts);
        Assert.Equal("worker-1", status.TaskId);
        Assert.NotNull(status.Created);
        Assert.NotNull(status.Started);
        Assert.NotNull(status.Finished);
        Assert.NotNull(status.Committed);
        // The files the tracker says the job wrote are the files the table now holds.
        var finished = Assert.Single(await table.EventsAsync(job), e => e.Kind == JobEventKind.Finished);
        var state = await table.Table.StateStore.GetStateAsync();
        Assert.Equal(state.Files.Keys.Order(StringComparer.Ordinal), finished.OutputFiles!.Order(StringComparer.Ordinal));
        var task = Assert.Single(JobTaskStatus.Fold(await table.Tracker.ReadTaskEventsAsync()));
        Assert.Equal(("worker-1", 1, 400L), (task.TaskId, task.JobsRun!.Value, task.RowsWritten!.Value));
        Assert.NotNull(task.Finished);
    }

    [Fact]
    public async Task A_job_for_a_table_named_without_an_id_is_run_into_that_table()
    {
        using var table = await QueuedIngestTable.CreateAsync();
        var path = table.WriteJsonLines("rows.jsonl", 30);
        await table.Queue.SendAsync(Core.Ingest.IngestJobSerDe.ToJson(new Core.Ingest.IngestJob("by-name", table.Table.Name, null, [path])));

        var result = await table.Worker().RunAsync(TimeSpan.Zero);

        Assert.Equal(1, result.JobsRun);
        Assert.Equal(QueuedIngestTable.ExpectedRows(Enumerable.Range(0, 30)), await table.RowsAsync());
    }

    public static readonly TheoryData<string, string> MismatchedParquet = new()
    {
        { "a field of the wrong type", "count" },
        { "a missing field", "timestamp" },
    };

    [Theory]
    [MemberData(nameof(MismatchedParquet))]
    public async Task A_job_with_a_mismatched_parquet_file_fails_naming_file_and_field_leaves_the_table_as_it_was_and_is_dead_lettered(string what, string field)
    {
        using var table = await QueuedIngestTable.CreateAsync();
        await table.SubmitAsync(table.WriteJsonLines("earlier.jsonl", 40));
        await table.Worker().RunAsync(TimeSpan.Zero);
        var rowsBefore = await table.RowsAsync();
        var before = await TableSnapshot.TakeAsync(table.Table);
        // A good file listed first, with more rows than one ingest batch: nothing of it may be written either.
        var good = await table.WriteParquetAsync("good.parquet", 500, start: 1000);
        var bad = field == "count"
            ? await table.WriteParquetAsync("mismatched.parquet", 10, schema: new TableSchema(
                [new Field("key", StringType.Instance)], [new Field("timestamp", LongType.Instance)], [new Field("count", StringType.Instance)]),
                row: i => [QueuedIngestTable.Key(i), (long)i, "many"])
            : await table.WriteParquetAsync("mismatched.parquet", 10, schema: new TableSchema(
                [new Field("key", StringType.Instance)], [], [new Field("count", IntType.Instance)]),
                row: i => [QueuedIngestTable.Key(i), i]);
        var job = await table.SubmitAsync(good, bad);

        var result = await table.Worker().RunAsync(TimeSpan.Zero);

        Assert.Equal(0, result.JobsRun);
        Assert.Equal(3, result.JobsFailed);
        Assert.Equal(rowsBefore, await table.RowsAsync());
        (await TableSnapshot.TakeAsync(table.Table)).AssertSameAs(before);
        Assert.Equal(new QueueDepth(0, 0, 1), await table.Queue.GetDepthAsync());
        var letter = Assert.Single(await table.Queue.GetDeadLettersAsync());
        Assert.Equal(job.Id, Core.Ingest.IngestJobSerDe.IngestFromJson(letter.Body).Id);
        var status = await table.StatusAsync(job);
        Assert.Equal("failed", status.State);
        Assert.Equal(3, status.Attempts);
        Assert.Contains("dead-lettered after 3 attempts", status.FailureReason);
        Assert.Equal(1, result.JobsDeadLettered);
        var failures = (await table.EventsAsync(job)).Where(e => e.Kind is JobEventKind.Failed or JobEventKind.DeadLettered).ToList();
        Assert.Equal(4, failures.Count);
        Assert.Equal(JobEventKind.DeadLettered, failures[^1].Kind);
        Assert.All(failures, f => Assert.Contains("mismatched.parquet", f.Reason));
        Assert.All(failures, f => Assert.Contains($"'{field}'", f.Reason));
        Assert.DoesNotContain(await table.EventsAsync(job), e => e.Kind is JobEventKind.Finished or JobEventKind.Committed);
        _ = what;
    }

    public static readonly TheoryData<string, string, string, string> BadCsv = new()
    {
        { "a header missing a field", "key,timestamp\na000000,1\n", "field(s) count", "header" },
        { "a header with an unknown column", "key,timestamp,count,colour\na000000,1,1,red\n", "'colour'", "column" },
        { "a cell of the wrong type", "key,timestamp,count\na000000,1,1\nb000001,yesterday,2\n", "'timestamp'", "line 3" },
        { "an empty file", "", "header", "empty" },
    };

    [Theory]
    [MemberData(nameof(BadCsv))]
    public async Task A_job_with_a_bad_csv_file_fails_naming_file_and_field_and_leaves_the_table_as_it_was(string what, string csv, string named, string alsoNamed)
    {
        using var table = await QueuedIngestTable.CreateAsync(maxReceiveCount: 2);
        await table.SubmitAsync(table.WriteJsonLines("earlier.jsonl", 40));
        await table.Worker().RunAsync(TimeSpan.Zero);
        var rowsBefore = await table.RowsAsync();
        var before = await TableSnapshot.TakeAsync(table.Table);
        var job = await table.SubmitAsync(table.WriteJsonLines("good.jsonl", 300, start: 100), table.WriteText("bad.csv", csv));

        var result = await table.Worker().RunAsync(TimeSpan.Zero);

        Assert.Equal((0, 2), (result.JobsRun, result.JobsFailed));
        Assert.Equal(rowsBefore, await table.RowsAsync());
        (await TableSnapshot.TakeAsync(table.Table)).AssertSameAs(before);
        Assert.Equal(new QueueDepth(0, 0, 1), await table.Queue.GetDepthAsync());
        var status = await table.StatusAsync(job);
        Assert.Equal("failed", status.State);
        Assert.Contains("bad.csv", status.FailureReason);
        Assert.Contains(named, status.FailureReason);
        Assert.Contains(alsoNamed, status.FailureReason);
        _ = what;
    }

    [Fact]
    public async Task A_job_naming_a_file_that_does_not_exist_fails_naming_it()
    {
        using var table = await QueuedIngestTable.CreateAsync(maxReceiveCount: 1);
        var missing = Path.Combine(table.Inputs, "gone.jsonl");
        var job = await table.SubmitAsync(table.WriteJsonLines("here.jsonl", 10), missing);

        var result = await table.Worker().RunAsync(TimeSpan.Zero);

        Assert.Equal((0, 1), (result.JobsRun, result.JobsFailed));
        Assert.Empty(await table.RowsAsync());
        Assert.Contains(missing, (await table.StatusAsync(job)).FailureReason);
    }
}
