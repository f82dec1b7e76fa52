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

        foreach (var name in new[] { "write", "ingest", "ingest-budget", "scan", "lookup", "compaction", "compaction-concurrent", "bulk-import", "split" })
        {
            Assert.Contains(name, result.Output);
        }
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
        Assert.Contains("Machine:", markdown);
        Assert.Contains("./sleeper bench", markdown);
        Assert.Empty(result.Error);
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
