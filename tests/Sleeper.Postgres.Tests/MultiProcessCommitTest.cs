using System.Diagnostics;
using Sleeper.Core.Partitions;
using Sleeper.Core.StateStore;
using Sleeper.StateStore;

namespace Sleeper.Postgres.Tests;

/// <summary>
/// Committers in separate OS processes (the state store's committer, given a PostgreSQL backend) racing to
/// append to one table's log: no number lost or doubled, and every committer's transactions in the log once.
/// </summary>
public sealed class MultiProcessCommitTest : IAsyncLifetime
{
    private readonly TestSchema _schema = new();
    private readonly TempFolder _dir = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await _schema.DisposeAsync();
        _dir.Dispose();
    }

    private string Backend => $"{Environment.GetEnvironmentVariable("SLEEPER_POSTGRES")}?schema={_schema.Name}&table=table-1&snapshots={Uri.EscapeDataString(_dir.Combine("snapshots"))}";

    [Fact]
    public async Task Separate_processes_committing_at_once_land_every_transaction_exactly_once_with_no_gap()
    {
        const int processes = 4;
        const int perProcess = 25;
        var log = new PostgresTransactionLogStore(_schema.Database, "table-1");
        await new TransactionLogStateStore(TestTables.Schema, log, new FileSnapshotStore(_dir.Combine("snapshots")))
            .InitialiseAsync(PartitionsBuilder.SingleRoot(TestTables.Schema));
        var signal = _dir.Combine("go");

        var running = Enumerable.Range(0, processes).Select(p => StartCommitter($"p{p}", perProcess, signal)).ToList();
        await Task.Delay(500);
        await File.WriteAllTextAsync(signal, "");
        var results = await Task.WhenAll(running.Select(WaitForAsync));

        Assert.All(results, r => Assert.True(r.ExitCode == 0, r.Output));
        var entries = new List<TransactionLogEntry>();
        await foreach (var e in log.ReadTransactionsAfterAsync(0))
        {
            entries.Add(e);
        }
        Assert.Equal(Enumerable.Range(1, 1 + processes * perProcess).Select(n => (long)n), entries.Select(e => e.TransactionNumber));
        Assert.Equal(entries.Count, entries.Select(e => e.TransactionId).Distinct().Count());
        // Each committer printed what it was told: every one of those is in the log, at that number, once.
        var byNumber = entries.ToDictionary(e => e.TransactionNumber);
        var reported = results.SelectMany(r => r.Output.Split('\n'))
            .Where(l => l.StartsWith("committed ", StringComparison.Ordinal) && l.Split(' ').Length == 3)
            .Select(l => l.Trim().Split(' ')).Select(p => (Number: long.Parse(p[1]), Id: p[2])).ToList();
        Assert.Equal(processes * perProcess, reported.Count);
        Assert.All(reported, r => Assert.Equal(r.Id, byNumber[r.Number].TransactionId));
        var files = (await new TransactionLogStateStore(TestTables.Schema, new PostgresTransactionLogStore(_schema.Database, "table-1"), new FileSnapshotStore(_dir.Combine("snapshots")))
            .GetAllFilesAsync()).Select(f => f.Filename).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(Enumerable.Range(0, processes).SelectMany(p => Enumerable.Range(0, perProcess).Select(i => $"p{p}-{i}")).Order(StringComparer.Ordinal), files);
    }

    private sealed record Running(Process Process, Task<string> Stdout, Task<string> Stderr);

    private Running StartCommitter(string prefix, int count, string signal)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "Sleeper.StateStore.Tests.Committer.dll");
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { dll, "add", Backend, prefix, count.ToString(), signal })
        {
            info.ArgumentList.Add(a);
        }
        var process = Process.Start(info)!;
        return new Running(process, process.StandardOutput.ReadToEndAsync(), process.StandardError.ReadToEndAsync());
    }

    private static async Task<(int ExitCode, string Output)> WaitForAsync(Running r)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        try
        {
            await r.Process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            r.Process.Kill(entireProcessTree: true);
            throw;
        }
        return (r.Process.ExitCode, await r.Stdout + await r.Stderr);
    }
}
