using System.Diagnostics;

namespace Sleeper.Cli.Tests;

/// <summary>Runs ./sleeper at the repository root as a user would: a separate process, piped output.</summary>
public sealed class SleeperScriptTest : IDisposable
{
    private readonly CliRunner _cli = new();

    public void Dispose() => _cli.Dispose();

    private async Task<(int Status, string Output, string Error)> RunAsync(string? stdin, params string[] args)
    {
        var start = new ProcessStartInfo(Path.Combine(CliRunner.RepositoryRoot, "sleeper"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            WorkingDirectory = _cli.Folder,
        };
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }
        start.Environment["SLEEPER_INSTANCE"] = _cli.Instance;
        using var process = Process.Start(start)!;
        if (stdin is not null)
        {
            await process.StandardInput.WriteAsync(stdin);
        }
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(5));
        return (process.ExitCode, await output, await error);
    }

    [Fact]
    public async Task The_sleeper_script_runs_the_cli_with_clean_piped_output_and_exit_statuses()
    {
        var created = await RunAsync(null, "instance", "create");
        Assert.True(created.Status == 0, created.Error);
        Assert.Equal(0, (await RunAsync(null, "table", "create", "events", "--schema", CliRunner.Example("schema.json"))).Status);
        var ingest = await RunAsync("{\"key\":\"x\",\"timestamp\":2,\"value\":\"from stdin\"}\n", "ingest", "events", "-");
        Assert.True(ingest.Status == 0, ingest.Error);

        var query = await RunAsync(null, "query", "events", "--key", "x");
        Assert.Equal(0, query.Status);
        Assert.Equal("{\"key\":\"x\",\"timestamp\":2,\"value\":\"from stdin\",\"tags\":null}\n", query.Output);

        var wrong = await RunAsync(null, "query", "events", "--bogus");
        Assert.Equal(2, wrong.Status);
        Assert.Equal("", wrong.Output);

        var failed = await RunAsync(null, "query", "missing", "--key", "x");
        Assert.Equal(1, failed.Status);
        Assert.Contains("'missing'", failed.Error);
    }
}
