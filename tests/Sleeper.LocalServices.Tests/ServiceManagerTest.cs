using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Sleeper.LocalServices.Tests;

/// <summary>Starts real PostgreSQL and s3rver processes in a private home and checks what status, start and stop do with them.</summary>
public sealed class ServiceManagerTest : IAsyncLifetime
{
    private readonly PrivateServicesHome _home = new();

    private ServiceManager Manager => _home.Manager;

    [Fact]
    public async Task Started_servers_run_and_answer_until_stopped()
    {
        var settings = await Manager.StartAsync();

        var status = await Manager.StatusAsync();
        Assert.All(status.Services, s => Assert.True(s.Running && s.Answering, $"{s.Name} should run and answer: {s}"));
        Assert.Equal(settings, status.Settings);
        Assert.Equal(settings.PostgresPort, status.Postgres.Port);
        Assert.Equal(settings.S3Port, status.S3.Port);
        await AssertPostgresListensAsync(settings.PostgresPort);
        using (var http = new HttpClient())
        {
            var buckets = await http.GetStringAsync(settings.S3Endpoint);
            Assert.Contains("ListAllMyBucketsResult", buckets);
        }

        var stopped = await Manager.StopAsync();

        Assert.Equal(["postgresql", "s3rver"], stopped.Select(s => s.Name));
        var after = await Manager.StatusAsync();
        Assert.All(after.Services, s => Assert.False(s.Running || s.Answering, $"{s.Name} should have stopped: {s}"));
        Assert.Null(after.Settings);
        Assert.All(stopped, s => Assert.Null(Processes.ProcessIdentity.Of(s.Pid) is { } p && p.IsAlive() ? p : null));
    }

    [Fact]
    public async Task Starting_again_keeps_the_running_servers_and_their_settings()
    {
        var first = await Manager.StartAsync();
        var pids = (await Manager.StatusAsync()).Services.Select(s => s.Pid).ToList();

        var second = await Manager.StartAsync();

        Assert.Equal(first, second);
        Assert.Equal(pids, (await Manager.StatusAsync()).Services.Select(s => s.Pid));
    }

    [Fact]
    public async Task A_server_that_died_shows_as_stopped_and_the_next_start_brings_it_back_on_its_port()
    {
        var settings = await Manager.StartAsync();
        var s3Pid = (await Manager.StatusAsync()).S3.Pid!.Value;
        using (var s3 = Process.GetProcessById(s3Pid))
        {
            s3.Kill();
            await s3.WaitForExitAsync();
        }

        var status = await Manager.StatusAsync();
        Assert.False(status.S3.Running);
        Assert.Contains("exited", status.S3.Note);
        Assert.True(status.Postgres.Running);

        var again = await Manager.StartAsync();

        Assert.Equal(settings, again);
        var restarted = await Manager.StatusAsync();
        Assert.True(restarted.S3.Running && restarted.S3.Answering);
        Assert.NotEqual(s3Pid, restarted.S3.Pid);
    }

    [Fact]
    public async Task Stopping_when_nothing_runs_stops_nothing()
    {
        Assert.Empty(await Manager.StopAsync());
        var status = await Manager.StatusAsync();
        Assert.All(status.Services, s => Assert.False(s.Running));
    }

    [Fact]
    public async Task Stop_leaves_alone_a_process_that_only_reuses_a_recorded_pid()
    {
        // A state file naming this test process's pid, with another start time: a server that died and whose pid was reused.
        Directory.CreateDirectory(_home.Home);
        var me = Processes.ProcessIdentity.Of(Environment.ProcessId)!;
        await File.WriteAllTextAsync(_home.Layout.StateFile,
            $$$"""{"s3":{"port":1,"pid":{{{me.Pid}}},"startTicks":{{{me.StartTicks + 1}}}}}""");

        Assert.Empty(await Manager.StopAsync());
        Assert.False((await Manager.StatusAsync()).S3.Running);
        Assert.True(me.IsAlive());
    }

    private static async Task AssertPostgresListensAsync(int port)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, port);
        Assert.True(client.Connected);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _home.DisposeAsync();
}
