using System.Text.Json.Nodes;

namespace Sleeper.Cli.Tests;

/// <summary>sleeper table check: its exit codes, its JSON, and --repair.</summary>
public sealed class TableCheckCommandTest : IDisposable
{
    private readonly CliRunner _cli = new();

    public void Dispose() => _cli.Dispose();

    private async Task<string> TableWithOneFileAsync()
    {
        await _cli.OkAsync("instance", "create");
        await _cli.OkAsync("table", "create", "t", "--schema", CliRunner.Example("schema.json"));
        await _cli.OkAsync("ingest", "t", CliRunner.Example("rows.jsonl"));
        var files = JsonNode.Parse((await _cli.OkAsync("status", "t", "--report", "files", "--format", "json")).Output)!["files"]!.AsArray();
        return Path.Combine(_cli.Instance, Assert.Single(files)!["filename"]!.GetValue<string>());
    }

    private static IEnumerable<JsonNode> Problems(JsonNode report) =>
        report["checks"]!.AsArray().SelectMany(c => c!["problems"]!.AsArray()).Select(p => p!);

    [Fact]
    public async Task A_clean_table_exits_0_and_reports_every_check_without_problems()
    {
        await TableWithOneFileAsync();
        var result = await _cli.RunAsync("table", "check", "t", "--format", "json");
        Assert.Equal(0, result.Status);
        var report = JsonNode.Parse(result.Output)!;
        Assert.Equal("t", report["table"]!.GetValue<string>());
        Assert.True(report["clean"]!.GetValue<bool>());
        Assert.Equal(0, report["problemCount"]!.GetValue<int>());
        Assert.Equal(["partitions", "referenced files", "job assignments", "stranded assignments", "orphan files", "abandoned writes"],
            report["checks"]!.AsArray().Select(c => c!["name"]!.GetValue<string>()));
        Assert.Empty(Problems(report));
    }

    [Fact]
    public async Task A_missing_data_file_exits_1_with_the_problem_in_the_JSON_and_repair_cannot_fix_it()
    {
        var data = await TableWithOneFileAsync();
        File.Delete(data);

        var result = await _cli.RunAsync("table", "check", "t", "--format", "json");
        Assert.Equal(1, result.Status);
        var report = JsonNode.Parse(result.Output)!;
        Assert.False(report["clean"]!.GetValue<bool>());
        var problem = Assert.Single(Problems(report));
        Assert.Equal("missing-file", problem["kind"]!.GetValue<string>());
        Assert.False(problem["repairable"]!.GetValue<bool>());

        Assert.Equal(1, (await _cli.RunAsync("table", "check", "t", "--repair", "--format", "json")).Status);
    }

    [Fact]
    public async Task Repair_deletes_an_old_orphan_and_exits_by_the_second_check()
    {
        var data = await TableWithOneFileAsync();
        // The output of a job that died before its commit, two days ago.
        var orphan = Path.Combine(Path.GetDirectoryName(data)!, $"{Guid.NewGuid()}.parquet");
        File.Copy(data, orphan);
        File.SetLastWriteTimeUtc(orphan, DateTime.UtcNow - TimeSpan.FromDays(2));

        var check = await _cli.RunAsync("table", "check", "t", "--format", "table");
        Assert.Equal(1, check.Status);
        Assert.Contains("orphan-file", check.Output);
        Assert.Contains("1 problem(s)", check.Output);

        var repair = await _cli.RunAsync("table", "check", "t", "--repair", "--format", "json");
        Assert.Equal(0, repair.Status);
        var report = JsonNode.Parse(repair.Output)!;
        Assert.True(report["clean"]!.GetValue<bool>());
        Assert.Equal(1, report["repair"]!["problemCountBefore"]!.GetValue<int>());
        Assert.Contains(report["repair"]!["repaired"]!.AsArray(), r => r!["check"]!.GetValue<string>() == "orphan files" && r["count"]!.GetValue<int>() == 1);
        Assert.False(File.Exists(orphan));
        Assert.True(File.Exists(data));
    }

    [Fact]
    public async Task An_unknown_format_is_a_usage_error()
    {
        await TableWithOneFileAsync();
        Assert.Equal(2, (await _cli.RunAsync("table", "check", "t", "--format", "csv")).Status);
    }
}
