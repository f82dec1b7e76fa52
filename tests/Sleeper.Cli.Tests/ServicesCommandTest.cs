using System.Text.Json;
using Sleeper.LocalServices;

namespace Sleeper.Cli.Tests;

/// <summary>sleeper services start | status | stop, with real servers in a services home of the test's own.</summary>
public sealed class ServicesCommandTest : IAsyncLifetime
{
    // Not TempFolder (0700): as root PostgreSQL runs as the postgres user, which must reach its data folder.
    private readonly string _home = Path.Combine(Path.GetTempPath(), "sleeper-cli-services-" + Guid.NewGuid().ToString("N")[..8]);

    [Fact]
    public async Task Start_prints_the_settings_ready_for_eval_status_reports_them_and_stop_stops_both()
    {
        var start = await RunAsync("services", "start", "--format", "env");

        Assert.Equal(0, start.Status);
        var lines = start.Output.TrimEnd('\n').Split('\n');
        Assert.Equal(["SLEEPER_S3_ENDPOINT", "SLEEPER_POSTGRES", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_REGION"], lines.Select(l => l.Split('=')[0]));
        Assert.Matches(@"^SLEEPER_S3_ENDPOINT=http://127\.0\.0\.1:\d+$", lines[0]);
        Assert.Matches(@"^SLEEPER_POSTGRES=postgresql://postgres@127\.0\.0\.1:\d+/postgres$", lines[1]);
        Assert.Equal(["AWS_ACCESS_KEY_ID=S3RVER", "AWS_SECRET_ACCESS_KEY=S3RVER", "AWS_REGION=us-east-1"], lines[2..]);
        Assert.Empty(start.Error);

        var json = await RunAsync("services", "start", "--format", "json");
        using (var again = JsonDocument.Parse(json.Output))
        {
            Assert.Equal(lines, again.RootElement.EnumerateObject().Select(p => $"{p.Name}={p.Value.GetString()}"));
        }

        var status = await RunAsync("services", "status", "--format", "json");
        using (var report = JsonDocument.Parse(status.Output))
        {
            Assert.All(report.RootElement.GetProperty("services").EnumerateArray(), s =>
                Assert.True(s.GetProperty("running").GetBoolean() && s.GetProperty("answering").GetBoolean(), s.ToString()));
            Assert.Equal(lines, report.RootElement.GetProperty("settings").EnumerateObject().Select(p => $"{p.Name}={p.Value.GetString()}"));
        }

        var stop = await RunAsync("services", "stop");
        Assert.Equal(0, stop.Status);
        Assert.Matches(@"^Stopped postgresql \(pid \d+, port \d+\)\nStopped s3rver \(pid \d+, port \d+\)\n$", stop.Output);

        var stopped = await RunAsync("services", "status", "--format", "json");
        using var after = JsonDocument.Parse(stopped.Output);
        Assert.All(after.RootElement.GetProperty("services").EnumerateArray(), s => Assert.False(s.GetProperty("running").GetBoolean()));
        Assert.Equal(JsonValueKind.Null, after.RootElement.GetProperty("settings").ValueKind);
    }

    [Fact]
    public async Task An_unknown_format_is_a_usage_error()
    {
        var result = await RunAsync("services", "start", "--format", "yaml");

        Assert.Equal(2, result.Status);
        Assert.Contains("env, json", result.Error);
    }

    private async Task<CliRunner.Result> RunAsync(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var context = new CliContext
        {
            Out = output,
            Error = error,
            Interactive = false,
            OutputIsTerminal = false,
            ServicesLayout = ServicesLayout.FromEnvironment() with { Home = _home },
        };
        var status = await SleeperCli.RunAsync(args, context);
        return new CliRunner.Result(status, output.ToString(), error.ToString());
    }

    public Task InitializeAsync()
    {
        Directory.CreateDirectory(_home);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await new ServiceManager(ServicesLayout.FromEnvironment() with { Home = _home }).StopAsync();
        try
        {
            Directory.Delete(_home, recursive: true);
        }
        catch (IOException)
        {
            // A server just stopped may still be closing a file; a leftover temp folder harms nothing.
        }
    }
}
