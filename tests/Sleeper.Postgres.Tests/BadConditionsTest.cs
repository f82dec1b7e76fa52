using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;
using Sleeper.Core;
using Sleeper.Core.Files;
using Sleeper.Core.Partitions;
using Sleeper.Core.StateStore;
using Sleeper.Core.StateStore.Transactions;
using Sleeper.LocalServices;
using Sleeper.LocalServices.Postgres;
using Xunit.Abstractions;

namespace Sleeper.Postgres.Tests;

/// <summary>
/// A server that is not there, a wrong database or user: each fails fast with an error that says where and what to
/// check, and never shows the password.
/// </summary>
public sealed class BadConnectionTest
{
    private const string Password = "not-to-be-shown-7Qz";

    private static int UnusedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task<SleeperException> FailsFastAsync(Func<Task> action)
    {
        var watch = Stopwatch.StartNew();
        var e = await Assert.ThrowsAnyAsync<SleeperException>(action);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(8), $"took {watch.Elapsed}");
        Assert.DoesNotContain(Password, e.ToString(), StringComparison.Ordinal);
        return e;
    }

    [Fact]
    public async Task A_log_store_on_a_port_nothing_listens_on_fails_fast_naming_host_and_port()
    {
        var port = UnusedPort();
        await using var db = new PostgresDatabase($"Host=127.0.0.1;Port={port};Username=postgres;Password={Password};Database=postgres", "bad_conn");
        var log = new PostgresTransactionLogStore(db, "t");

        var e = await FailsFastAsync(() => log.AddTransactionAsync(new TransactionLogEntry(1, DateTimeOffset.UnixEpoch, "AddFiles", "{}", "x")));

        Assert.Contains($"127.0.0.1:{port}", e.Message, StringComparison.Ordinal);
        Assert.Contains("Check that a PostgreSQL server is running", e.Message, StringComparison.Ordinal);
        var read = await FailsFastAsync(async () => { await foreach (var _ in log.ReadTransactionsAfterAsync(0)) { } });
        Assert.Contains($"127.0.0.1:{port}", read.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_job_queue_on_a_port_nothing_listens_on_fails_fast_naming_host_and_port()
    {
        var port = UnusedPort();
        await using var db = new PostgresDatabase($"postgresql://postgres:{Password}@127.0.0.1:{port}/postgres", "bad_conn");
        var queue = new PostgresJobQueue(db, "q");

        var send = await FailsFastAsync(() => queue.SendAsync("job"));
        var receive = await FailsFastAsync(() => queue.ReceiveAsync(TimeSpan.FromSeconds(30)));

        foreach (var e in new[] { send, receive })
        {
            Assert.Contains($"127.0.0.1:{port}", e.Message, StringComparison.Ordinal);
            Assert.Contains("Check that a PostgreSQL server is running", e.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_database_that_does_not_exist_is_named_and_the_database_name_is_the_thing_to_check()
    {
        var builder = new NpgsqlConnectionStringBuilder(LocalServers.PostgresConnectionString) { Database = "no_such_database_here", Password = Password };
        await using var db = new PostgresDatabase(builder.ConnectionString, "bad_conn");

        var e = await FailsFastAsync(() => new PostgresJobQueue(db, "q").SendAsync("job"));

        Assert.Contains("no_such_database_here", e.Message, StringComparison.Ordinal);
        Assert.Contains("Check the database name", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_user_that_does_not_exist_is_reported_with_the_credentials_as_the_thing_to_check()
    {
        var builder = new NpgsqlConnectionStringBuilder(LocalServers.PostgresConnectionString) { Username = "no_such_user_here", Password = Password };
        await using var db = new PostgresDatabase(builder.ConnectionString, "bad_conn");

        var e = await FailsFastAsync(() => new PostgresTransactionLogStore(db, "t").AddTransactionAsync(new TransactionLogEntry(1, DateTimeOffset.UnixEpoch, "AddFiles", "{}", "x")));

        Assert.Contains("no_such_user_here", e.Message, StringComparison.Ordinal);
        Assert.Contains("Check the user name and password", e.Message, StringComparison.Ordinal);
    }
}

/// <summary>
/// A PostgreSQL server of the test's own, stopped while a state store commits and started again on the same port and
/// data: commits fail clearly while it is down, then carry on, and the log ends with no gap, no duplicate, and every
/// commit that returned in it.
/// </summary>
public sealed class ServerStoppedTest(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly string _home = Path.Combine(Path.GetTempPath(), "sleeper-pg-stop-" + Guid.NewGuid().ToString("N")[..12]);
    private PostgresServer _server = null!;
    private ServerRecord? _record;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_home);
        _server = new PostgresServer(new ServicesLayout(_home, Path.Combine(_home, "npm")), TextWriter.Null);
        _record = await _server.StartAsync(null, CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        if (_record is not null)
        {
            await _server.StopAsync(_record, CancellationToken.None);
        }
        try
        {
            Directory.Delete(_home, recursive: true);
        }
        catch (IOException)
        {
            // Left in /tmp; harmless.
        }
    }

    /// <summary>SIGINT: a fast shutdown, which answers open statements with an error; SIGQUIT: an immediate one, which drops connections unanswered.</summary>
    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public async Task Commits_fail_clearly_while_the_server_is_stopped_and_continue_with_no_gap_once_it_is_back(int signal)
    {
        var port = _record!.Port;
        await using var db = new PostgresDatabase($"Host=127.0.0.1;Port={port};Username=postgres;Database=postgres", "sleeper");
        var store = new TransactionLogStateStore(TestTables.Schema, new PostgresTransactionLogStore(db, "t"), new InMemorySnapshotStore(),
            options: new TransactionLogStateStoreOptions { MaxCommitAttempts = 2 });
        await store.InitialiseAsync(PartitionsBuilder.SingleRoot(TestTables.Schema));

        var returned = new List<CommittedTransaction>();
        var failures = new List<(Exception Error, TimeSpan Took)>();
        var stop = new CancellationTokenSource();
        var n = 0;
        var committing = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var watch = Stopwatch.StartNew();
                try
                {
                    returned.Add(await store.CommitAsync(new AddFilesTransaction([new FileReference($"f-{n++}", PartitionsBuilder.RootId, 10)])));
                }
                catch (SleeperException e)
                {
                    failures.Add((e, watch.Elapsed));
                    await Task.Delay(100);
                }
            }
        });

        await WaitUntilAsync(() => returned.Count >= 20);
        var postmaster = _record.Process!;
        Assert.True(postmaster.Signal(signal));
        Assert.True(await postmaster.WaitForExitAsync(TimeSpan.FromSeconds(30), CancellationToken.None));
        var downAt = returned.Count;
        var stoppedAt = Stopwatch.StartNew();
        await WaitUntilAsync(() => failures.Count >= 3 && stoppedAt.Elapsed > TimeSpan.FromSeconds(2));
        Assert.True(returned.Count == downAt, "a commit returned while the server was down");
        _record = await _server.StartAsync(port, CancellationToken.None);
        Assert.Equal(port, _record.Port);
        var failedWhileDown = failures.Count;
        await WaitUntilAsync(() => returned.Count >= downAt + 20);
        stop.Cancel();
        await committing;

        output.WriteLine($"{returned.Count} commits returned, {failures.Count} failed ({failedWhileDown} before the restart)");
        foreach (var (error, took) in failures)
        {
            output.WriteLine($"after {took.TotalMilliseconds:F0} ms: {error.GetType().Name}: {error.Message}");
        }
        Assert.All(failures.Take(failedWhileDown), f =>
        {
            Assert.True(f.Took < TimeSpan.FromSeconds(15), $"a failed commit took {f.Took}");
            Assert.True(f.Error is CommitOutcomeUnknownException || f.Error.ToString().Contains($"127.0.0.1:{port}", StringComparison.Ordinal), f.Error.ToString());
        });
        var entries = new List<TransactionLogEntry>();
        await foreach (var e in new PostgresTransactionLogStore(db, "t").ReadTransactionsAfterAsync(0))
        {
            entries.Add(e);
        }
        Assert.Equal(Enumerable.Range(1, entries.Count).Select(i => (long)i), entries.Select(e => e.TransactionNumber));
        Assert.Equal(entries.Count, entries.Select(e => e.TransactionId).Distinct().Count());
        var byNumber = entries.ToDictionary(e => e.TransactionNumber);
        Assert.All(returned, r => Assert.Equal(r.TransactionId, byNumber[r.TransactionNumber].TransactionId));
        // A fresh reader sees the same files as the committer that lived through it.
        var fresh = new TransactionLogStateStore(TestTables.Schema, new PostgresTransactionLogStore(db, "t"), new InMemorySnapshotStore());
        Assert.Equal((await store.GetAllFilesAsync()).Select(f => f.Filename).Order(StringComparer.Ordinal),
            (await fresh.GetAllFilesAsync()).Select(f => f.Filename).Order(StringComparer.Ordinal));
    }

    /// <summary>
    /// The pool's idle connections die with the server; the first call after the restart must not fail on one of them
    /// (except a write after an immediate shutdown, see below).
    /// </summary>
    [Theory]
    [InlineData(2, true)]
    [InlineData(3, true)]
    [InlineData(2, false)]
    [InlineData(3, false)]
    public async Task A_job_queue_fails_clearly_while_the_server_is_stopped_and_its_first_call_after_the_restart_succeeds(int signal, bool callWhileDown)
    {
        var port = _record!.Port;
        await using var db = new PostgresDatabase($"Host=127.0.0.1;Port={port};Username=postgres;Database=postgres", "sleeper");
        var queue = new PostgresJobQueue(db, "q");
        // Several connections into the pool, all idle when the server goes.
        await Task.WhenAll(Enumerable.Range(0, 5).Select(i => queue.SendAsync($"before-{i}")));

        var postmaster = _record.Process!;
        Assert.True(postmaster.Signal(signal));
        Assert.True(await postmaster.WaitForExitAsync(TimeSpan.FromSeconds(30), CancellationToken.None));
        if (callWhileDown)
        {
            var watch = Stopwatch.StartNew();
            var e = await Assert.ThrowsAsync<PostgresStoreException>(() => queue.SendAsync("while-down"));
            output.WriteLine($"{watch.Elapsed.TotalMilliseconds:F0} ms: {e.Message}");
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(8), $"took {watch.Elapsed}");
            Assert.Contains($"127.0.0.1:{port}", e.Message, StringComparison.Ordinal);
        }

        _record = await _server.StartAsync(port, CancellationToken.None);
        if (signal == 3 && !callWhileDown)
        {
            // An immediate shutdown leaves idle connections that end with no word from the server. A send on one may
            // not be repeated (it could have gone in, for all the adapter can tell), so it fails once, clearly; the
            // pool is dropped with it, and the send after it goes through.
            try
            {
                await queue.SendAsync("first-after-restart");
                output.WriteLine("the first send after the restart went through");
            }
            catch (PostgresStoreException e)
            {
                output.WriteLine($"the first send after the restart failed: {e.Message}");
                Assert.Contains($"127.0.0.1:{port}", e.Message, StringComparison.Ordinal);
            }
        }
        for (var i = 0; i < 5; i++)
        {
            await queue.SendAsync($"after-{i}");
        }
        var bodies = (await queue.ListBodiesAsync()).Where(b => b != "first-after-restart").ToList();
        Assert.Equal(Enumerable.Range(0, 5).Select(i => $"before-{i}").Order(StringComparer.Ordinal).Concat(Enumerable.Range(0, 5).Select(i => $"after-{i}")),
            bodies.Take(5).Order(StringComparer.Ordinal).Concat(bodies.Skip(5)));
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "timed out waiting");
            await Task.Delay(50);
        }
    }
}
