using Sleeper.TestSupport;

namespace Sleeper.Cli.Tests;

/// <summary>The benchmark suite runs every case on both sides and reports it; its speed is never asserted.</summary>
public sealed class BenchCommandTest : IDisposable
{
    private readonly CliRunner _cli = new();

    public void Dispose() => _cli.Dispose();

    [Fact]
    public async Task Bench_runs_every_case_side_by_side_and_writes_a_markdown_report()
    {
        var report = Path.Combine(_cli.Folder, "bench.md");

        var result = await _cli.OkAsync("bench", "--rows", "2000", "--output", report);

        foreach (var name in new[] { "write", "ingest", "ingest-budget", "scan", "lookup", "compaction", "compaction-concurrent", "bulk-import", "split", "query", "server" })
        {
            Assert.Contains(name, result.Output);
        }
        // The commits case needs the services, so a run on the embedded backend leaves it out.
        Assert.DoesNotContain("committer", result.Output);
        var markdown = await File.ReadAllTextAsync(report);
        Assert.Contains("| case | ours /s | DuckDB /s | ours/DuckDB |", markdown);
        Assert.Contains("| lookup (queries/s) |", markdown);
        Assert.Contains("| compaction |", markdown);
        Assert.Contains("| ingest-budget |", markdown);
        Assert.Contains("| split |", markdown);
        // The split case reaches balance: no leaf over the threshold, every row kept (checked inside the case).
        Assert.Contains(" 0 over the threshold", markdown);
        Assert.Contains("| compaction-concurrent |", markdown);
        Assert.Contains("| bulk-import |", markdown);
        Assert.Contains("| query: lookup, 8 callers (queries/s) |", markdown);
        Assert.Contains("| query: 1000 keys in one query |", markdown);
        Assert.Contains("| server: REST under load (requests/s) |", markdown);
        Assert.Contains("Machine:", markdown);
        Assert.Contains("./sleeper bench", markdown);
        Assert.Empty(result.Error);
    }

    [Fact]
    public async Task Bench_on_services_runs_ingest_lookup_compaction_and_commits_beside_the_embedded_instance()
    {
        // The servers come from ./test.sh's environment; without them this fails here rather than starting its own.
        _ = LocalServers.S3Endpoint;
        _ = LocalServers.PostgresUrl;
        var report = Path.Combine(_cli.Folder, "bench-services.md");

        var result = await _cli.OkAsync("bench", "--backend", "services", "--rows", "1000", "--commits", "16", "--output", report);

        var markdown = await File.ReadAllTextAsync(report);
        // The DuckDB table for the embedded runs, then the services rows against those same embedded runs.
        Assert.Contains("| case | ours /s | DuckDB /s | ours/DuckDB |", markdown);
        Assert.Contains("| case | services /s | embedded /s | services/embedded |", markdown);
        foreach (var row in new[] { "| ingest |", "| lookup (queries/s) |", "| compaction |" })
        {
            Assert.Equal(2, markdown.Split(row).Length - 1);
        }
        Assert.Contains("| commits, 1 committer (commits/s) |", markdown);
        Assert.Contains("| commits, 8 committers (commits/s) |", markdown);
        Assert.Contains("| commits, 8 committers, PostgreSQL log alone (commits/s) |", markdown);
        Assert.Contains("| operation | operations | GET /op | HEAD /op | PUT /op |", markdown);
        Assert.Contains("| exact-key lookup, warm", markdown);
        Assert.Contains("| ingest, per data file written |", markdown);
        Assert.Contains("- Services: S3 server at " + LocalServers.S3Endpoint.ToString().TrimEnd('/'), markdown);
        Assert.DoesNotContain("| write |", markdown);
        Assert.Contains("services/embedded", result.Output);
        Assert.Empty(result.Error);
    }

    [Fact]
    public async Task The_commits_case_needs_the_services()
    {
        var result = await _cli.RunAsync("bench", "--case", "commits");

        Assert.Equal(2, result.Status);
        Assert.Contains("--backend services", result.Error);
    }

    [Fact]
    public async Task Bench_runs_only_the_cases_asked_for()
    {
        var result = await _cli.OkAsync("bench", "--rows", "1000", "--case", "write");

        Assert.Contains("write", result.Output);
        Assert.DoesNotContain("lookup", result.Output);
        Assert.DoesNotContain("compaction", result.Output);
    }

    [Fact]
    public async Task An_unknown_case_is_a_usage_error_naming_the_cases()
    {
        var result = await _cli.RunAsync("bench", "--case", "compact");

        Assert.Equal(2, result.Status);
        Assert.Contains("write, ingest, ingest-budget, scan, lookup", result.Error);
    }
}
