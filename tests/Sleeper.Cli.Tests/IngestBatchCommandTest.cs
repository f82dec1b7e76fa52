using System.Text.Json.Nodes;
using Sleeper.Core.Ingest;
using Sleeper.Core.Jobs;
using Sleeper.Jobs;

namespace Sleeper.Cli.Tests;

public sealed class IngestBatchCommandTest : IDisposable
{
    private readonly CliRunner _cli = new();

    public void Dispose() => _cli.Dispose();

    private async Task CreateTableAsync(params string[] properties)
    {
        await _cli.OkAsync("instance", "create");
        await _cli.OkAsync(["table", "create", "t", "--schema", CliRunner.Example("schema.json"),
            .. properties.SelectMany(p => new[] { "--property", p })]);
    }

    private async Task<List<string>> DrainAsync(string queue)
    {
        var q = FileJobQueue.InInstance(_cli.Instance, queue);
        var bodies = new List<string>();
        while (await q.ReceiveAsync(TimeSpan.FromMinutes(5)) is { } message)
        {
            bodies.Add(message.Body);
        }
        return bodies;
    }

    [Fact]
    public async Task One_file_waits_for_the_minimum_count_and_the_second_sends_a_job_of_both_to_the_ingest_queue()
    {
        await CreateTableAsync("sleeper.table.ingest.batcher.job.min.files=2", "sleeper.table.ingest.batcher.job.min.size=1");
        var a = _cli.WriteFile("a.jsonl", "{\"key\":\"a\",\"timestamp\":1,\"value\":\"x\"}\n");
        var b = _cli.WriteFile("b.jsonl", "{\"key\":\"b\",\"timestamp\":2,\"value\":\"y\"}\n");

        var first = await _cli.OkAsync("ingest", "batch", "t", a);
        Assert.Contains("Added 1 file(s)", first.Output);
        Assert.Contains("No job sent (waiting: 1 of at least 2 file(s)", first.Output);
        Assert.Empty(await DrainAsync(QueueNames.Ingest));

        var second = await _cli.OkAsync("ingest", "batch", "t", b);
        Assert.Contains("Pending: 2 file(s)", second.Output);
        Assert.Contains("to queue ingest: 2 file(s)", second.Output);

        var job = IngestJobSerDe.IngestFromJson(Assert.Single(await DrainAsync(QueueNames.Ingest)));
        Assert.Equal([a, b], job.Files);
        Assert.Contains($"Sent job {job.Id} ", second.Output);
        var table = JsonNode.Parse((await _cli.OkAsync("table", "list", "--format", "json")).Output)!.AsArray().Single();
        Assert.Equal(table!["id"]!.GetValue<string>(), job.TableId);
        Assert.Empty(await DrainAsync(QueueNames.BulkImport));
    }

    [Fact]
    public async Task A_table_whose_batcher_queue_is_bulk_import_sends_to_the_bulk_import_queue()
    {
        await CreateTableAsync("sleeper.table.ingest.batcher.ingest.queue=bulk_import", "sleeper.table.ingest.batcher.job.min.size=1");
        var file = _cli.WriteFile("a.csv", "key,timestamp,value\na,1,x\n");

        var result = await _cli.OkAsync("ingest", "batch", "t", file);

        Assert.Contains("to queue bulk-import: 1 file(s)", result.Output);
        Assert.Equal([file], IngestJobSerDe.BulkImportFromJson(Assert.Single(await DrainAsync(QueueNames.BulkImport))).Files);
        Assert.Empty(await DrainAsync(QueueNames.Ingest));
    }

    [Fact]
    public async Task The_report_lists_pending_and_batched_files_with_their_jobs_as_json_and_as_a_table()
    {
        await CreateTableAsync("sleeper.table.ingest.batcher.job.min.files=2", "sleeper.table.ingest.batcher.job.min.size=1", "sleeper.table.ingest.batcher.job.max.files=2");
        var a = _cli.WriteFile("a.jsonl", "{}\n");
        var b = _cli.WriteFile("b.jsonl", "{}\n\n");
        var c = _cli.WriteFile("c.jsonl", "{}\n\n\n");
        await _cli.OkAsync("ingest", "batch", "t", a, b);
        await _cli.OkAsync("ingest", "batch", "t", c);

        var report = JsonNode.Parse((await _cli.OkAsync("status", "t", "--report", "ingest-batcher", "--format", "json")).Output)!;

        var pending = Assert.Single(report["pending"]!.AsArray())!;
        Assert.Equal((c, 5L), (pending["file"]!.GetValue<string>(), pending["fileSizeBytes"]!.GetValue<long>()));
        Assert.NotNull(pending["receivedTime"]);
        var batched = report["batched"]!.AsArray();
        Assert.Equal([a, b], batched.Select(f => f!["file"]!.GetValue<string>()));
        Assert.Equal([3L, 4L], batched.Select(f => f!["fileSizeBytes"]!.GetValue<long>()));
        var jobId = Assert.Single(batched.Select(f => f!["jobId"]!.GetValue<string>()).Distinct());
        Assert.Equal(jobId, IngestJobSerDe.IngestFromJson(Assert.Single(await DrainAsync(QueueNames.Ingest))).Id);
        Assert.All(batched, f => Assert.NotNull(f!["sentTime"]));

        var table = (await _cli.OkAsync("status", "t", "--report", "ingest-batcher", "--format", "table")).Output;
        Assert.Contains("1 file(s) pending", table);
        Assert.Contains("2 file(s) batched into 1 job(s)", table);
        Assert.Contains(jobId[..8], table);
        Assert.Contains("pending", table);
    }

    [Fact]
    public async Task Folders_are_read_recursively_and_a_file_given_again_while_pending_is_not_added_twice()
    {
        await CreateTableAsync("sleeper.table.ingest.batcher.job.min.files=10");
        var a = _cli.WriteFile("a.jsonl", "{}\n");
        Directory.CreateDirectory(Path.Combine(_cli.Folder, "in", "deeper"));
        var b = _cli.WriteFile(Path.Combine("in", "deeper", "b.parquet"), "not really parquet, but the batcher only reads sizes");
        _cli.WriteFile(Path.Combine("in", "readme.txt"), "skipped");

        await _cli.OkAsync("ingest", "batch", "t", a, Path.Combine(_cli.Folder, "in"));
        var again = await _cli.OkAsync("ingest", "batch", "t", a, "--format", "json");

        var json = JsonNode.Parse(again.Output)!;
        Assert.Empty(json["added"]!.AsArray());
        Assert.Equal(a, Assert.Single(json["alreadyPending"]!.AsArray())!["file"]!.GetValue<string>());
        Assert.Equal([a, b], json["pending"]!.AsArray().Select(f => f!["file"]!.GetValue<string>()));
        Assert.Empty(json["jobs"]!.AsArray());
    }

    [Fact]
    public async Task Flush_sends_every_pending_file_whatever_the_minimums()
    {
        await CreateTableAsync("sleeper.table.ingest.batcher.job.min.files=10", "sleeper.table.ingest.batcher.job.max.files=1");
        var a = _cli.WriteFile("a.jsonl", "{}\n");
        var b = _cli.WriteFile("b.jsonl", "{}\n");
        await _cli.OkAsync("ingest", "batch", "t", a, b);
        Assert.Empty(await DrainAsync(QueueNames.Ingest));

        var flushed = await _cli.OkAsync("ingest", "batch", "t", "--flush");

        Assert.Contains("flushed", flushed.Output);
        Assert.Equal([[a], [b]], (await DrainAsync(QueueNames.Ingest)).Select(body => IngestJobSerDe.IngestFromJson(body).Files));
    }

    [Fact]
    public async Task A_maximum_age_of_zero_sends_a_lone_small_file_at_once()
    {
        await CreateTableAsync("sleeper.table.ingest.batcher.job.min.files=10", "sleeper.table.ingest.batcher.file.max.age.seconds=0");

        var result = await _cli.OkAsync("ingest", "batch", "t", _cli.WriteFile("a.jsonl", "{}\n"));

        Assert.Contains("maximum age of 0 s", result.Output);
        Assert.Single(await DrainAsync(QueueNames.Ingest));
    }

    [Fact]
    public async Task An_unknown_table_or_a_missing_path_fails_naming_it_and_no_paths_without_flush_is_a_usage_error()
    {
        await CreateTableAsync();
        var file = _cli.WriteFile("a.jsonl", "{}\n");

        var unknown = await _cli.RunAsync("ingest", "batch", "nosuch", file);
        Assert.Equal(1, unknown.Status);
        Assert.Contains("nosuch", unknown.Error);

        var missing = Path.Combine(_cli.Folder, "missing.parquet");
        var noFile = await _cli.RunAsync("ingest", "batch", "t", missing);
        Assert.Equal(1, noFile.Status);
        Assert.Contains(missing, noFile.Error);

        var nothing = await _cli.RunAsync("ingest", "batch", "t");
        Assert.Equal(2, nothing.Status);
        Assert.Contains("--flush", nothing.Error);

        var report = JsonNode.Parse((await _cli.OkAsync("status", "t", "--report", "ingest-batcher", "--format", "json")).Output)!;
        Assert.Empty(report["pending"]!.AsArray());
    }
}
