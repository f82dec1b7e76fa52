using System.Diagnostics;
using Sleeper.Core.Files;
using Sleeper.Core.Partitions;
using Sleeper.Core.StateStore;
using Sleeper.Core.StateStore.Transactions;
using static Sleeper.StateStore.Tests.StateDescriptions;
using static Sleeper.StateStore.Tests.TestTables;

namespace Sleeper.StateStore.Tests;

public sealed class ConcurrencyTest : IDisposable
{
    private readonly TempFolder _dir = new();

    public void Dispose() => _dir.Dispose();

    private string TransactionsDir => _dir.Combine(EmbeddedStateStores.TransactionsFolder);

    private async Task AssertLogIsContiguousAsync(long expectedLast)
    {
        var numbers = new List<long>();
        await foreach (var e in new FileTransactionLogStore(TransactionsDir).ReadTransactionsAfterAsync(0))
        {
            numbers.Add(e.TransactionNumber);
        }
        Assert.Equal(Enumerable.Range(1, (int)expectedLast).Select(n => (long)n), numbers);
        Assert.Equal((int)expectedLast, TransactionFileCount(_dir.Path));
        Assert.Empty(Directory.GetFiles(TransactionsDir, "*.tmp"));
    }

    [Fact]
    public async Task Store_instances_committing_from_several_threads_land_every_file_with_contiguous_numbers()
    {
        const int committers = 4;
        const int perCommitter = 25;
        await Open(_dir.Path).InitialiseAsync(PartitionsBuilder.SingleRoot(Schema));
        var stores = Enumerable.Range(0, committers).Select(_ => Open(_dir.Path, options: new() { SnapshotEveryTransactions = 20 })).ToArray();
        var start = new Barrier(committers);

        await Task.WhenAll(stores.Select((store, c) => Task.Run(async () =>
        {
            start.SignalAndWait();
            for (var i = 0; i < perCommitter; i++)
            {
                await store.CommitAsync(new AddFilesTransaction([new FileReference($"t{c}-{i}", "root", i + 1)]));
            }
        })));

        var files = (await Open(_dir.Path).GetAllFilesAsync()).Select(f => f.Filename).Order().ToList();
        var expected = Enumerable.Range(0, committers).SelectMany(c => Enumerable.Range(0, perCommitter).Select(i => $"t{c}-{i}")).Order().ToList();
        Assert.Equal(expected, files);
        await AssertLogIsContiguousAsync(1 + committers * perCommitter);
        Assert.True(stores.Sum(s => s.ConflictCount) > 0, "The committers never raced; the test proves nothing.");
        var state = Describe(await stores[0].GetStateAsync());
        foreach (var store in stores)
        {
            Assert.Equal(state, Describe(await store.GetStateAsync()));
        }
    }

    [Fact]
    public async Task Separate_processes_committing_at_once_land_every_file_exactly_once_with_no_gap()
    {
        const int processes = 4;
        const int perProcess = 20;
        await Open(_dir.Path).InitialiseAsync(PartitionsBuilder.SingleRoot(Schema));
        var signal = _dir.Combine("go");

        var running = Enumerable.Range(0, processes).Select(p => StartCommitter("add", $"p{p}", perProcess.ToString(), signal)).ToList();
        await File.WriteAllTextAsync(signal, "");
        var results = await Task.WhenAll(running.Select(WaitForAsync));

        Assert.All(results, r => Assert.True(r.ExitCode == 0, r.Output));
        var files = (await Open(_dir.Path).GetAllFilesAsync()).Select(f => f.Filename).ToList();
        Assert.Equal(processes * perProcess, files.Count);
        Assert.Equal(files.Count, files.Distinct().Count());
        Assert.Equal(
            Enumerable.Range(0, processes).SelectMany(p => Enumerable.Range(0, perProcess).Select(i => $"p{p}-{i}")).Order(),
            files.Order());
        await AssertLogIsContiguousAsync(1 + processes * perProcess);
    }

    [Fact]
    public async Task Of_two_stores_assigning_one_file_to_different_jobs_exactly_one_wins_and_the_other_is_rejected_after_rereading()
    {
        var setup = Open(_dir.Path);
        await setup.InitialiseAsync(PartitionsBuilder.SingleRoot(Schema));
        await setup.CommitAsync(new AddFilesTransaction([new FileReference("f", "root", 10)]));
        var gate = new Barrier(2);
        var stores = new[] { "job-a", "job-b" }.Select(job => (Job: job, Store: new TransactionLogStateStore(Schema,
            new GatedTransactionLogStore(new FileTransactionLogStore(TransactionsDir), gate),
            new FileSnapshotStore(_dir.Combine(EmbeddedStateStores.SnapshotsFolder))))).ToArray();

        var outcomes = await Task.WhenAll(stores.Select(s => Task.Run(async () =>
        {
            try
            {
                await s.Store.CommitAsync(new AssignJobIdsTransaction([new AssignJobIdRequest(s.Job, "root", ["f"])]));
                return (s.Job, Won: true, Conflicts: s.Store.ConflictCount, Error: (string?)null);
            }
            catch (StateStoreValidationException e)
            {
                return (s.Job, Won: false, Conflicts: s.Store.ConflictCount, Error: e.Message);
            }
        })));

        var winner = Assert.Single(outcomes, o => o.Won);
        var loser = Assert.Single(outcomes, o => !o.Won);
        Assert.Equal(1, loser.Conflicts);
        Assert.Contains($"already assigned to job '{winner.Job}'", loser.Error);
        Assert.Equal(winner.Job, Assert.Single(await Open(_dir.Path).GetFileReferencesAsync()).JobId);
        await AssertLogIsContiguousAsync(3);
    }

    [Fact]
    public async Task Of_processes_assigning_one_file_to_different_jobs_exactly_one_wins()
    {
        var setup = Open(_dir.Path);
        await setup.InitialiseAsync(PartitionsBuilder.SingleRoot(Schema));
        await setup.CommitAsync(new AddFilesTransaction([new FileReference("f", "root", 10)]));
        var signal = _dir.Combine("go");

        var running = new[] { "job-a", "job-b", "job-c" }.Select(job => StartCommitter("assign", "f", job, signal)).ToList();
        await File.WriteAllTextAsync(signal, "");
        var results = await Task.WhenAll(running.Select(WaitForAsync));

        Assert.All(results, r => Assert.True(r.ExitCode is 0 or 3, r.Output));
        var winner = Assert.Single(results, r => r.ExitCode == 0);
        Assert.All(results.Where(r => r.ExitCode == 3), r => Assert.Contains("already assigned", r.Output));
        var reference = Assert.Single(await Open(_dir.Path).GetFileReferencesAsync());
        Assert.Equal(winner.Label, reference.JobId);
        await AssertLogIsContiguousAsync(3);
    }

    /// <param name="Label">The last argument that tells committers apart: file prefix or job id.</param>
    private sealed record Running(Process Process, string Label, Task<string> Stdout, Task<string> Stderr);

    private Running StartCommitter(string command, string arg1, string arg2, string signal)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "Sleeper.StateStore.Tests.Committer.dll");
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        string[] args = [command, _dir.Path, arg1, arg2, signal];
        info.ArgumentList.Add(dll);
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }
        var process = Process.Start(info)!;
        return new Running(process, command == "add" ? arg1 : arg2, process.StandardOutput.ReadToEndAsync(), process.StandardError.ReadToEndAsync());
    }

    private static async Task<(int ExitCode, string Output, string Label)> WaitForAsync(Running r)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await r.Process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            r.Process.Kill(entireProcessTree: true);
            throw;
        }
        return (r.Process.ExitCode, await r.Stdout + await r.Stderr, r.Label);
    }
}
