using Sleeper.Core.Files;
using Sleeper.Core.Partitions;
using Sleeper.Core.Properties;
using Sleeper.Core.Schema;
using Sleeper.Core.StateStore;
using Sleeper.Core.StateStore.Transactions;
using Sleeper.Instance;
using Sleeper.Postgres;
using Sleeper.StateStore;

namespace Sleeper.Cli.Bench;

/// <summary>
/// State store commits per second, with 1 and 8 committers racing on one table: the embedded log (numbered
/// files in the instance folder) against the PostgreSQL log of an instance on services (its snapshots in the
/// S3 bucket), and against the PostgreSQL log alone, with its snapshots in a local folder, to tell the log's
/// own cost from the bucket's. Each committer is its own state store object, opened as a separate worker would
/// open it, and each commit is an AddFiles of one file; a lost race is re-read and retried as in any commit.
/// The goals are 2,000 commits/s embedded and 500/s on PostgreSQL.
/// </summary>
/// <remarks>This was <c>bench/Sleeper.Benchmarks -- statestore-commits</c>, which measured the log alone.</remarks>
public sealed class CommitsCase(string folder, int commits, ServicesBackend services, Action<string> chatter)
{
    public static readonly int[] Committers = [1, 8];

    private static readonly TableSchema Schema = new([new Field("key", LongType.Instance)]);

    private SleeperInstance? _embedded;
    private SleeperInstance? _onServices;
    private int _tables;

    /// <summary>S3 requests per commit on the services instance, one committer, from the last run.</summary>
    public S3RequestFigure? Requests { get; private set; }

    public async Task<IReadOnlyList<CaseResult>> RunAsync(CancellationToken cancel)
    {
        _embedded ??= await EmbeddedInstance.CreateAsync(Path.Combine(folder, "instance-commits"), cancellationToken: cancel);
        _onServices ??= await services.CreateInstanceAsync("commits", cancel);
        var store = ServicesBackend.Store(_onServices.Objects);
        var snapshotEvery = _onServices.Properties.GetInt(InstanceProperty.SnapshotEveryTransactions);
        var results = new List<CaseResult>();
        foreach (var committers in Committers)
        {
            var plural = committers == 1 ? "committer" : "committers";
            chatter($"commits: embedded, {committers} {plural}, {commits} commits");
            var (embedded, embeddedConflicts) = await MeasureAsync(await OpenTableAsync(_embedded, cancel), committers, cancel);

            chatter($"commits: PostgreSQL with snapshots in S3, {committers} {plural}, {commits} commits");
            var before = store.Requests.Current;
            var (postgres, postgresConflicts) = await MeasureAsync(await OpenTableAsync(_onServices, cancel), committers, cancel);
            var requests = store.Requests.Current - before;
            if (committers == 1)
            {
                Requests = new S3RequestFigure("state store commit (PostgreSQL log, 1 committer)", postgres.Rows, requests,
                    $"the log is in PostgreSQL and so is the index of snapshots (the newest is one indexed query, no LIST of the bucket); a snapshot body is written to the bucket every {snapshotEvery} transactions");
            }
            results.Add(Row($"commits, {committers} {plural}", postgres, embedded,
                $"{committers} state store object(s) of one table of the services instance, each opened from it, committing AddFiles of one file each, {commits} in all, to the PostgreSQL log (snapshots in the bucket, one every {snapshotEvery} transactions); goal 500/s",
                $"conflicts retried: services {postgresConflicts:N0}, embedded {embeddedConflicts:N0}; S3 requests {requests}; goals: PostgreSQL ≥500/s {Met(postgres.RowsPerSecond, 500)}, embedded ≥2,000/s {Met(embedded.RowsPerSecond, 2000)}"));

            chatter($"commits: PostgreSQL log alone (snapshots in a local folder), {committers} {plural}, {commits} commits");
            var (alone, aloneConflicts) = await MeasureAsync(await OpenLogAloneAsync(cancel), committers, cancel);
            results.Add(Row($"commits, {committers} {plural}, PostgreSQL log alone", alone, embedded,
                $"the same on a table whose log is in the services instance's PostgreSQL schema but whose snapshots are in a local folder (as bench/Sleeper.Benchmarks measured it): the log's own cost, without the bucket's",
                $"conflicts retried: {aloneConflicts:N0}; goal PostgreSQL ≥500/s {Met(alone.RowsPerSecond, 500)}"));
        }
        return results;
    }

    private static CaseResult Row(string name, Measurement postgres, Measurement embedded, string oursDoes, string notes) =>
        new(name, "commits/s", postgres, embedded, oursDoes,
            "the same number of committers and commits on a table of an embedded instance: its log one file per transaction, created exclusively and flushed with its folder, snapshots in the instance folder; goal 2,000/s",
            notes)
        {
            OursLabel = "services",
            PeerLabel = "embedded",
        };

    private static string Met(double rate, double goal) => rate >= goal ? "met" : "NOT met";

    /// <summary>A fresh table of the instance, and a way to open another state store object of it.</summary>
    private async Task<Func<Task<TransactionLogStateStore>>> OpenTableAsync(SleeperInstance instance, CancellationToken cancel)
    {
        var name = $"commits-{++_tables}";
        await instance.CreateTableAsync(name, Schema, SleeperProperties.ForTable(), PartitionsBuilder.SingleRoot(Schema), cancel);
        return async () => (await instance.OpenTableAsync(name, cancellationToken: cancel)).StateStore;
    }

    /// <summary>A fresh log in the services instance's PostgreSQL schema, with its snapshots in a local folder.</summary>
    private async Task<Func<Task<TransactionLogStateStore>>> OpenLogAloneAsync(CancellationToken cancel)
    {
        var tableId = $"log-alone-{++_tables}";
        var snapshots = Path.Combine(folder, tableId);
        var database = new PostgresDatabase(services.PostgresUrl, _onServices!.Properties.Get(InstanceProperty.PostgresSchema)!);
        services.Hold(database);
        TransactionLogStateStore Open() => new(Schema, new PostgresTransactionLogStore(database, tableId), new FileSnapshotStore(snapshots));
        await Open().InitialiseAsync(PartitionsBuilder.SingleRoot(Schema), cancel);
        return () => Task.FromResult(Open());
    }

    /// <summary>Commits from each committer's own state store object, all at once; the rate is all commits over the time until the last returned.</summary>
    private async Task<(Measurement Measurement, int Conflicts)> MeasureAsync(Func<Task<TransactionLogStateStore>> open, int committers, CancellationToken cancel)
    {
        var stores = new List<TransactionLogStateStore>();
        for (var c = 0; c < committers; c++)
        {
            var store = await open();
            await store.GetStateAsync(cancel);
            stores.Add(store);
        }
        var each = commits / committers;
        var measurement = await Measurement.RunAsync(async () =>
        {
            await Task.WhenAll(stores.Select((store, c) => Task.Run(async () =>
            {
                for (var i = 0; i < each; i++)
                {
                    await store.CommitAsync(new AddFilesTransaction([new FileReference($"c{c}-{i}.parquet", PartitionsBuilder.RootId, 100)]), cancel);
                }
            }, cancel)));
            return (long)each * committers;
        });
        return (measurement, stores.Sum(s => s.ConflictCount));
    }
}
