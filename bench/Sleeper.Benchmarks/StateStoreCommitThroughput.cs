using System.Diagnostics;
using System.Globalization;
using Sleeper.Core.Files;
using Sleeper.Core.Partitions;
using Sleeper.Core.Schema;
using Sleeper.Core.StateStore;
using Sleeper.Core.StateStore.Transactions;
using Sleeper.Postgres;
using Sleeper.StateStore;

namespace Sleeper.Benchmarks;

/// <summary>
/// Commits per second through <see cref="TransactionLogStateStore"/>, with 1 and 8 committers racing on one
/// table, on the embedded log and (when a server is given) on PostgreSQL. Each committer is its own state store
/// object, as separate workers would be; each commit is an AddFiles of one file. Not a BenchmarkDotNet case: the
/// figure that matters is throughput under contention, measured over a fixed number of commits.
/// </summary>
/// <remarks>
/// Run with: <c>dotnet run -c Release --project bench/Sleeper.Benchmarks -- statestore-commits [postgresql://user@host:port/db] [commits]</c>
/// </remarks>
public static class StateStoreCommitThroughput
{
    private static readonly TableSchema Schema = new([new Field("key", LongType.Instance)]);

    public static async Task<int> RunAsync(string[] args)
    {
        var postgres = args.FirstOrDefault(a => a.StartsWith("postgres", StringComparison.Ordinal));
        var total = args.Select(a => int.TryParse(a, CultureInfo.InvariantCulture, out var n) ? n : 0).FirstOrDefault(n => n > 0, 2000);
        Console.WriteLine($"{"backend",-12} {"committers",10} {"commits",8} {"seconds",8} {"commits/s",10} {"conflicts",10}");
        foreach (var committers in new[] { 1, 8 })
        {
            var dir = Directory.CreateTempSubdirectory("sleeper-bench-commits-").FullName;
            try
            {
                await MeasureAsync("embedded", committers, total, () => EmbeddedStateStores.Open(dir, Schema));
            }
            finally
            {
                Directory.Delete(dir, recursive: true);
            }
            if (postgres is not null)
            {
                var snapshots = Directory.CreateTempSubdirectory("sleeper-bench-snapshots-").FullName;
                await using var database = new PostgresDatabase(postgres, "bench_" + Guid.NewGuid().ToString("N"));
                try
                {
                    await MeasureAsync("postgresql", committers, total,
                        () => new TransactionLogStateStore(Schema, new PostgresTransactionLogStore(database, "table-1"), new FileSnapshotStore(snapshots)));
                }
                finally
                {
                    await database.DropSchemaAsync();
                    Directory.Delete(snapshots, recursive: true);
                }
            }
        }
        return 0;
    }

    private static async Task MeasureAsync(string backend, int committers, int total, Func<TransactionLogStateStore> open)
    {
        await open().InitialiseAsync(PartitionsBuilder.SingleRoot(Schema));
        var stores = Enumerable.Range(0, committers).Select(_ => open()).ToArray();
        foreach (var store in stores)
        {
            await store.GetStateAsync();
        }
        var each = total / committers;
        var watch = Stopwatch.StartNew();
        await Task.WhenAll(stores.Select((store, c) => Task.Run(async () =>
        {
            for (var i = 0; i < each; i++)
            {
                await store.CommitAsync(new AddFilesTransaction([new FileReference($"c{c}-{i}.parquet", PartitionsBuilder.RootId, 100)]));
            }
        })));
        watch.Stop();
        var commits = each * committers;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{backend,-12} {committers,10} {commits,8} {watch.Elapsed.TotalSeconds,8:F2} {commits / watch.Elapsed.TotalSeconds,10:F0} {stores.Sum(s => s.ConflictCount),10}"));
    }
}
