using System.Text.Json.Nodes;
using Sleeper.Instance;
using Sleeper.Postgres;
using Sleeper.TestSupport;

namespace Sleeper.Cli.Tests;

/// <summary>
/// The command-line contract, end to end, against an instance on services: its data in a bucket of the S3 server and
/// its state, queues, trackers, batcher store and table index in PostgreSQL, both started by the test script.
/// </summary>
public sealed class ServicesInstanceCliTest : IAsyncLifetime
{
    private readonly CliRunner _cli = new();
    private readonly string _bucket = "cli-" + Guid.NewGuid().ToString("N")[..12];

    public Task InitializeAsync()
    {
        _cli.Instance = $"s3://{_bucket}/instance";
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        try
        {
            var shown = await _cli.RunAsync("instance", "properties", "--format", "json");
            var id = shown.Status == 0 ? JsonNode.Parse(shown.Output)?["sleeper.id"]?.GetValue<string>() : null;
            if (id is not null)
            {
                await using var database = new PostgresDatabase(LocalServers.PostgresUrl, $"sleeper_{id}");
                await database.DropSchemaAsync();
            }
        }
        finally
        {
            _cli.Dispose();
        }
    }

    private async Task CreateInstanceAsync() =>
        Assert.Contains($"s3://{_bucket}/instance",
            (await _cli.OkAsync("instance", "create", "--state-store", LocalServers.PostgresUrl, "--s3-endpoint", LocalServers.S3Endpoint.ToString())).Output);

    private async Task<int> CountRowsAsync(string table) => (await _cli.OkAsync("query", table, "--range", ",", "--format", "jsonl")).Lines.Length;

    [Fact]
    public async Task Every_command_of_the_contract_works_on_an_instance_in_S3_and_PostgreSQL()
    {
        await CreateInstanceAsync();
        var properties = JsonNode.Parse((await _cli.OkAsync("instance", "properties", "--format", "json")).Output)!;
        Assert.Equal("postgresql", properties["sleeper.statestore.backend"]!.GetValue<string>());
        Assert.DoesNotContain("S3RVER", (await _cli.OkAsync("instance", "properties", "--format", "json")).Output);

        await _cli.OkAsync("table", "create", "t", "--schema", CliRunner.Example("schema.json"), "--split-points", CliRunner.Example("splits.txt"),
            "--property", "sleeper.table.ingest.batcher.job.min.size=1", "--property", "sleeper.table.gc.delay.minutes=0");
        var listed = JsonNode.Parse((await _cli.OkAsync("table", "list", "--format", "json")).Output)!.AsArray();
        Assert.Equal("t", Assert.Single(listed)!["name"]!.GetValue<string>());

        // Ingest: direct, a submitted job run by a worker, and through the batcher.
        Assert.Contains("7 rows", (await _cli.OkAsync("ingest", "t", CliRunner.Example("rows.jsonl"))).Output);
        var exact = await _cli.OkAsync("query", "t", "--key", "alpha", "--format", "jsonl");
        Assert.Equal(2, exact.Lines.Length);
        Assert.Equal(7, await CountRowsAsync("t"));
        var jobId = Assert.Single((await _cli.OkAsync("ingest", "submit", "t", CliRunner.Example("rows.jsonl"))).Lines).Trim();
        Assert.Contains("1 job(s) run, 0 failed attempt(s), 7 rows written", (await _cli.OkAsync("worker", "ingest", "--idle-timeout", "0")).Output);
        var ingestJobs = JsonNode.Parse((await _cli.OkAsync("status", "t", "--report", "ingest-jobs", "--format", "json")).Output)!.AsArray();
        Assert.Contains(ingestJobs, j => j!["jobId"]!.GetValue<string>() == jobId && j["state"]!.GetValue<string>() == "committed");
        Assert.Contains("Sent job", (await _cli.OkAsync("ingest", "batch", "t", CliRunner.Example("rows.jsonl"))).Output);
        await _cli.OkAsync("worker", "ingest", "--idle-timeout", "0");
        Assert.Equal(21, await CountRowsAsync("t"));
        await _cli.OkAsync("status", "t", "--report", "ingest-batcher", "--format", "json");

        // Bulk import, compaction (here and by a worker), splitting, GC and the checks.
        await _cli.OkAsync("bulk-import", "t", CliRunner.Example("rows.jsonl"));
        Assert.Equal(28, await CountRowsAsync("t"));
        await _cli.OkAsync("compact", "t", "--all", "--queue-only");
        Assert.Contains("0 failed attempt(s)", (await _cli.OkAsync("worker", "compaction", "--idle-timeout", "0")).Output);
        var compactionJobs = JsonNode.Parse((await _cli.OkAsync("status", "t", "--report", "compaction-jobs", "--format", "json")).Output)!.AsArray();
        Assert.NotEmpty(compactionJobs);
        Assert.All(compactionJobs, j => Assert.Equal("committed", j!["state"]!.GetValue<string>()));
        await _cli.OkAsync("compact", "t", "--all");
        await _cli.OkAsync("split", "t");
        await _cli.OkAsync("gc", "t");
        Assert.Contains("clean", (await _cli.OkAsync("table", "check", "t", "--format", "table")).Output);
        Assert.Equal(28, await CountRowsAsync("t"));
        Assert.Equal(exact.Lines.Length * 4, (await _cli.OkAsync("query", "t", "--key", "alpha", "--format", "jsonl")).Lines.Length);
        foreach (var report in new[] { "full", "partitions", "files", "compaction-tasks", "dead-letters", "bulk-import-jobs" })
        {
            await _cli.OkAsync("status", "t", "--report", report, "--format", "json");
        }

        // Inputs in a bucket: ingested directly and by a worker, named as s3:// paths.
        using (var inputs = new Aws.S3ObjectStore(_bucket, "inputs", new Aws.S3ObjectStoreOptions { Endpoint = LocalServers.S3Endpoint }))
        {
            await inputs.WriteAllBytesAsync("rows.jsonl", await File.ReadAllBytesAsync(CliRunner.Example("rows.jsonl")));
        }
        Assert.Contains("7 rows", (await _cli.OkAsync("ingest", "t", $"s3://{_bucket}/inputs/rows.jsonl")).Output);
        await _cli.OkAsync("ingest", "submit", "t", $"s3://{_bucket}/inputs/");
        Assert.Contains("7 rows written", (await _cli.OkAsync("worker", "ingest", "--idle-timeout", "0")).Output);
        Assert.Equal(42, await CountRowsAsync("t"));
        var missing = await _cli.RunAsync("ingest", "t", $"s3://{_bucket}/inputs/nothing.jsonl");
        Assert.Equal(1, missing.Status);
        Assert.Contains($"s3://{_bucket}/inputs/nothing.jsonl", missing.Error);

        // Table administration.
        await _cli.OkAsync("table", "rename", "t", "u");
        await _cli.OkAsync("table", "offline", "u");
        Assert.NotEqual(0, (await _cli.RunAsync("compact", "u")).Status);
        await _cli.OkAsync("table", "online", "u");
        Assert.Equal(42, await CountRowsAsync("u"));
        await _cli.OkAsync("table", "properties", "u", "--set", "sleeper.table.compaction.files.batch.size=5");
        await _cli.OkAsync("table", "delete", "u");
        Assert.Empty(JsonNode.Parse((await _cli.OkAsync("table", "list", "--format", "json")).Output)!.AsArray());
    }

    [Fact]
    public async Task Where_the_state_lives_is_fixed_at_creation_and_a_second_creation_is_refused()
    {
        await CreateInstanceAsync();
        var change = await _cli.RunAsync("instance", "properties", "--set", "sleeper.statestore.backend=files");
        Assert.Equal(1, change.Status);
        Assert.Contains("cannot be changed", change.Error);
        var again = await _cli.RunAsync("instance", "create", "--state-store", LocalServers.PostgresUrl, "--s3-endpoint", LocalServers.S3Endpoint.ToString());
        Assert.Equal(1, again.Status);
        Assert.Contains("already a Sleeper instance", again.Error);
    }

    [Fact]
    public async Task A_bucket_instance_without_PostgreSQL_or_with_a_password_in_its_URL_is_refused_and_nothing_is_made()
    {
        var noState = await _cli.RunAsync("instance", "create", "--s3-endpoint", LocalServers.S3Endpoint.ToString());
        Assert.Equal(1, noState.Status);
        Assert.Contains("--state-store", noState.Error);
        var withPassword = await _cli.RunAsync("instance", "create", "--s3-endpoint", LocalServers.S3Endpoint.ToString(),
            "--state-store", LocalServers.PostgresUrl.Replace("postgres@", "postgres:secret@", StringComparison.Ordinal));
        Assert.Equal(1, withPassword.Status);
        Assert.Contains("password", withPassword.Error);
        Assert.DoesNotContain("secret", withPassword.Error);
        var open = await _cli.RunAsync("table", "list");
        Assert.Equal(1, open.Status);
        Assert.Contains("There is no Sleeper instance at", open.Error);
    }

    [Fact]
    public async Task Creating_with_an_unreachable_PostgreSQL_fails_within_seconds_naming_it_and_leaves_no_instance()
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var result = await _cli.RunAsync("instance", "create", "--s3-endpoint", LocalServers.S3Endpoint.ToString(),
            "--state-store", "postgresql://postgres@127.0.0.1:1/postgres");

        Assert.Equal(1, result.Status);
        Assert.Contains("127.0.0.1:1", result.Error);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(30), $"took {watch.Elapsed}");
        var open = await _cli.RunAsync("table", "list");
        Assert.Equal(1, open.Status);
        Assert.Contains("There is no Sleeper instance at", open.Error);
    }
}
