using System.Diagnostics;
using Apache.Arrow;
using Sleeper.Aws;
using Sleeper.Cli.Demo;
using Sleeper.Core;
using Sleeper.Core.Batches;
using Sleeper.Core.Keys;
using Sleeper.Core.Partitions;
using Sleeper.Core.Properties;
using Sleeper.Core.Tables;
using Sleeper.Ingest;
using Sleeper.Ingest.Input;
using Sleeper.Instance;
using Sleeper.Parquet;
using Sleeper.Query;
using Region = Sleeper.Core.Keys.Region;

namespace Sleeper.Cli.Bench;

/// <summary>
/// The end-to-end cases, each run by ours and then by the peer on the same input files in the same process.
/// Ours is measured through the same public entry points the CLI uses; the peer through plain SQL. Given the
/// services, the ingest, lookup and compaction cases also run ours on an instance in the S3 server and
/// PostgreSQL, reported against ours on the embedded instance, and the commits case compares the two state
/// store logs.
/// </summary>
public sealed class BenchSuite(string folder, BenchInputs inputs, int threads, int seed, Action<string> chatter,
    ServicesBackend? services = null, int commits = BenchSuite.DefaultCommits)
{
    public static readonly string[] CaseNames = ["write", "ingest", "ingest-budget", "scan", "lookup", "compaction", "compaction-concurrent", "bulk-import", "split", "commits", "query", "server"];

    /// <summary>The cases that have a form on services; what <c>--backend services</c> runs when no case is named.</summary>
    public static readonly string[] ServicesCaseNames = ["ingest", "lookup", "compaction", "commits"];

    /// <summary>The cases that need the services (they compare the embedded backend with them and have no DuckDB side).</summary>
    public static readonly string[] ServicesOnlyCaseNames = ["commits"];

    public const int Leaves = 64;
    public const int DefaultCommits = 2000;
    private const int WarmUpLookups = 5;

    private readonly CompactionCases _compaction = new(folder, inputs.Rows, seed, threads, chatter);
    private readonly IngestBudgetCase _ingestBudget = new(folder, inputs, threads, chatter);
    private readonly BulkImportCase _bulkImport = new(folder, inputs.Rows, seed, threads, chatter);
    private readonly SplitCase _split = new(folder, inputs.Rows, seed, threads, chatter);
    private readonly QueryCase _query = new(folder, inputs, threads, chatter, services);
    private readonly CommitsCase? _commits = services is null ? null : new CommitsCase(folder, commits, services, chatter);
    private readonly Dictionary<string, S3RequestFigure> _requests = new(StringComparer.Ordinal);
    private SleeperTable? _table;
    private SleeperTable? _servicesTable;
    private int _instances;

    /// <summary>Phases of our ingest timed one by one, filled in by the ingest case.</summary>
    public IngestPhases? Phases { get; private set; }

    /// <summary>S3 requests per operation on the services instance, from the last run of each case that measured them.</summary>
    public IReadOnlyList<S3RequestFigure> Requests => _requests.Values.ToList();

    /// <summary>Runs one case: its row against DuckDB and, on services, its row against the embedded instance.</summary>
    public async Task<IReadOnlyList<CaseResult>> RunAsync(string name, CancellationToken cancel)
    {
        switch (name)
        {
            case "ingest":
                var ingest = await IngestAsync(cancel);
                return services is null ? [ingest] : [ingest, await IngestOnServicesAsync(ingest.Ours, services, cancel)];
            case "lookup":
                var lookup = await LookupAsync(cancel);
                return services is null ? [lookup] : [lookup, await LookupOnServicesAsync(lookup.Ours, services, cancel)];
            case "query":
                var queryResults = await _query.RunAsync(cancel);
                foreach (var (key, figure) in _query.Requests)
                {
                    _requests[key] = figure;
                }
                return queryResults;
            case "compaction":
                var compaction = await _compaction.SingleAsync(cancel);
                if (services is null)
                {
                    return [compaction];
                }
                var (onServices, requests) = await _compaction.OnServicesAsync(compaction.Ours, services, cancel);
                _requests["compaction"] = requests;
                return [compaction, onServices];
            case "commits":
                var commitResults = await (_commits ?? throw new UsageException("The commits case compares the embedded log with PostgreSQL: add --backend services.")).RunAsync(cancel);
                _requests["commits"] = _commits.Requests!;
                return commitResults;
            default:
                return [name switch
                {
                    "write" => await WriteAsync(cancel),
                    "ingest-budget" => await _ingestBudget.RunAsync(cancel),
                    "scan" => await ScanAsync(cancel),
                    "compaction-concurrent" => await _compaction.ConcurrentAsync(cancel),
                    "bulk-import" => await _bulkImport.RunAsync(cancel),
                    "split" => await _split.RunAsync(cancel),
                    "server" => await new ServerLoadCase(folder, inputs.Rows, chatter).RunAsync(cancel),
                    _ => throw new ArgumentException($"Unknown case '{name}'.", nameof(name)),
                }];
        }
    }

    private async Task<CaseResult> WriteAsync(CancellationToken cancel)
    {
        _instances++;
        var schema = StandardRows.Schema;
        var settings = ParquetWriteSettings.Defaults(schema);
        chatter("write: ours");
        var ours = await Measurement.RunAsync(async () =>
        {
            using var reader = SortedParquetReader.Open(inputs.SortedPath, schema);
            await using var writer = new SortedParquetWriter(Path.Combine(folder, $"ours-write-{_instances}.parquet"), settings);
            await foreach (var batch in reader.ReadAllAsync(cancellationToken: cancel))
            {
                using (batch)
                {
                    writer.Write(batch);
                }
            }
            return await writer.CommitAsync(cancel);
        });

        // The same writer fed from memory, to separate the cost of writing from the cost of reading.
        var loaded = new List<RecordBatch>();
        using (var reader = SortedParquetReader.Open(inputs.SortedPath, schema))
        {
            await foreach (var batch in reader.ReadAllAsync(cancellationToken: cancel))
            {
                loaded.Add(batch);
            }
        }
        chatter("write: ours, from memory");
        var writeOnly = await Measurement.RunAsync(async () =>
        {
            await using var writer = new SortedParquetWriter(Path.Combine(folder, $"ours-write-from-memory-{_instances}.parquet"), settings);
            foreach (var batch in loaded)
            {
                writer.Write(batch);
            }
            return await writer.CommitAsync(cancel);
        });
        loaded.ForEach(b => b.Dispose());
        loaded.Clear();

        chatter("write: peer");
        var peer = await Measurement.RunAsync(() =>
        {
            using var duck = new DuckDbPeer(threads);
            duck.Execute($"COPY (SELECT * FROM read_parquet({DuckDbPeer.Literal(inputs.SortedPath)})) TO {DuckDbPeer.Literal(Path.Combine(folder, $"peer-write-{_instances}.parquet"))} " +
                "(FORMAT parquet, COMPRESSION zstd, COMPRESSION_LEVEL 3, ROW_GROUP_SIZE 100000)");
            return Task.FromResult(inputs.Rows);
        });
        CheckPeerOutput(Path.Combine(folder, $"peer-write-{_instances}.parquet"));
        var oursSize = new FileInfo(Path.Combine(folder, $"ours-write-{_instances}.parquet")).Length;
        var peerSize = new FileInfo(Path.Combine(folder, $"peer-write-{_instances}.parquet")).Length;
        return new CaseResult("write", "rows/s", ours, peer,
            "reads the sorted input file and writes it to one sorted Parquet file (zstd 3, 100,000-row groups, statistics, page index, sorting metadata) plus its key sketches",
            $"`COPY (SELECT * FROM read_parquet(input)) TO out (FORMAT parquet, COMPRESSION zstd, COMPRESSION_LEVEL 3, ROW_GROUP_SIZE 100000)`, {threads} threads",
            $"ours from memory (write only): {writeOnly.RowsPerSecond:N0} rows/s; file sizes ours {Mb(oursSize):F1} MB, peer {Mb(peerSize):F1} MB");
    }

    private async Task<CaseResult> IngestAsync(CancellationToken cancel)
    {
        chatter("ingest: ours");
        var table = await CreateTableAsync("ingest", cancel);
        IngestResult? result = null;
        var ours = await Measurement.RunAsync(async () =>
        {
            result = await new IngestRunner(table).IngestAsync([new ParquetInput(inputs.UnsortedPath)], cancellationToken: cancel);
            return result.RowsWritten;
        });
        _table = table;

        chatter("ingest: ours, phase by phase");
        Phases = await IngestPhases.MeasureAsync(table, inputs.UnsortedPath, Path.Combine(folder, $"phases-{_instances}"), cancel);

        chatter("ingest: peer");
        var peerOut = Path.Combine(folder, $"peer-ingest-{_instances}.parquet");
        var peer = await Measurement.RunAsync(() =>
        {
            using var duck = new DuckDbPeer(threads);
            duck.Execute($"COPY (SELECT * FROM read_parquet({DuckDbPeer.Literal(inputs.UnsortedPath)}) ORDER BY key, timestamp) TO {DuckDbPeer.Literal(peerOut)} " +
                "(FORMAT parquet, COMPRESSION zstd, COMPRESSION_LEVEL 3, ROW_GROUP_SIZE 100000)");
            return Task.FromResult(inputs.Rows);
        });
        CheckPeerOutput(peerOut);
        return new CaseResult("ingest", "rows/s", ours, peer,
            $"ingests the unsorted input file into a table of {Leaves} leaf partitions (IngestRunner with the Parquet input, default 256 MiB memory budget): reads it in batches and sorts them on every core, spills sorted runs beyond half the budget, merges them into one sorted file per core (each over its own range of leaves, with sketches, referenced from every leaf it covers), commits one AddFiles transaction",
            $"`COPY (SELECT * FROM read_parquet(input) ORDER BY key, timestamp) TO out (same options as write)`: one globally sorted file, {threads} threads",
            $"ours wrote {result!.FilesWritten} file(s) and {result.References.Count} references, spilling {result.Statistics?.SpilledRuns ?? 0} runs ({(result.Statistics?.SpilledBytes ?? 0) / 1048576.0:N0} MiB); the peer one file with no partitions");
    }

    private async Task<CaseResult> ScanAsync(CancellationToken cancel)
    {
        var table = await TableAsync(cancel);
        var files = await DataFilesAsync(table, cancel);
        var query = new QueryExecutor(table);
        chatter("scan: ours");
        var ours = await Measurement.RunAsync(async () =>
        {
            long rows = 0;
            await foreach (var batch in query.RunAsync([Region.Whole(table.Schema)], null, cancel))
            {
                rows += batch.Length;
                batch.Dispose();
            }
            return rows;
        });
        Check(ours.Rows == inputs.Rows, $"Our full scan returned {ours.Rows} rows of {inputs.Rows}.");

        chatter("scan: peer");
        var peer = await Measurement.RunAsync(() =>
        {
            using var duck = new DuckDbPeer(threads);
            var (rows, _) = duck.StepThrough($"SELECT * FROM read_parquet({DuckDbPeer.FileList(files)}) ORDER BY key, timestamp");
            return Task.FromResult(rows);
        });
        Check(peer.Rows == inputs.Rows, $"The peer's full scan returned {peer.Rows} rows of {inputs.Rows}.");
        return new CaseResult("scan", "rows/s", ours, peer,
            $"a query over the whole key space (QueryExecutor, Region.Whole): reads the table's {files.Count} files, merges them in key order and yields every row as Arrow batches",
            $"`SELECT * FROM read_parquet([the same {files.Count} files]) ORDER BY key, timestamp`, stepping through every result row (values not converted), {threads} threads",
            $"ours read {query.LastStatistics.FilesRead} files, {query.LastStatistics.RowGroupsRead} row groups; the peer does not know the files are sorted and sorts everything");
    }

    private async Task<CaseResult> LookupAsync(CancellationToken cancel)
    {
        var table = await TableAsync(cancel);
        var files = await DataFilesAsync(table, cancel);
        var keys = inputs.SampleKeys;
        chatter($"lookup: ours ({keys.Count} keys)");
        var oursLatencies = new List<double>();
        var ours = await MeasureLookupsAsync(table, "Our", oursLatencies, cancel);

        chatter($"lookup: peer ({keys.Count} keys)");
        var peerLatencies = new List<double>();
        var peer = await Measurement.RunAsync(() =>
        {
            using var duck = new DuckDbPeer(threads);
            var (command, PeerLookup) = duck.PrepareKeyLookup(files);
            using var _ = command;
            foreach (var key in keys.Take(WarmUpLookups))
            {
                PeerLookup(key);
            }
            foreach (var key in keys)
            {
                var watch = Stopwatch.StartNew();
                var found = PeerLookup(key);
                peerLatencies.Add(watch.Elapsed.TotalMilliseconds);
                Check(found > 0, $"The peer's lookup of key '{key}' found nothing.");
            }
            return Task.FromResult((long)keys.Count);
        });
        oursLatencies.Sort();
        peerLatencies.Sort();
        return new CaseResult("lookup", "queries/s", ours, peer,
            $"{keys.Count} exact-key queries (QueryExecutor, Region.ForKey) of keys known to be present, one after another, after {WarmUpLookups} warm-up queries",
            $"the same keys through one prepared `SELECT * FROM read_parquet([the same {files.Count} files]) WHERE key = ?`, after the same warm-up, {threads} threads",
            $"ours p50 {Percentile(oursLatencies, 0.5):F1} ms, p99 {Percentile(oursLatencies, 0.99):F1} ms; peer p50 {Percentile(peerLatencies, 0.5):F1} ms, p99 {Percentile(peerLatencies, 0.99):F1} ms");
    }

    /// <summary>
    /// Our lookups of the sample keys, one after another after a few untimed ones, each one's latency added to
    /// <paramref name="latencies"/>; every key must be found.
    /// </summary>
    private async Task<Measurement> MeasureLookupsAsync(SleeperTable table, string who, List<double> latencies, CancellationToken cancel, Action? afterWarmUp = null)
    {
        var keys = inputs.SampleKeys;
        var query = new QueryExecutor(table);
        async Task<long> Lookup(string key)
        {
            long rows = 0;
            await foreach (var batch in query.RunAsync([Region.ForKey(table.Schema, Key.Of(key))], null, cancel))
            {
                rows += batch.Length;
                batch.Dispose();
            }
            return rows;
        }
        foreach (var key in keys.Take(WarmUpLookups))
        {
            await Lookup(key);
        }
        afterWarmUp?.Invoke();
        return await Measurement.RunAsync(async () =>
        {
            foreach (var key in keys)
            {
                var watch = Stopwatch.StartNew();
                var found = await Lookup(key);
                latencies.Add(watch.Elapsed.TotalMilliseconds);
                Check(found > 0, $"{who} lookup of key '{key}' found nothing.");
            }
            return keys.Count;
        });
    }

    /// <summary>Our ingest of the same input into a table of an instance on services, against the embedded ingest's figure.</summary>
    private async Task<CaseResult> IngestOnServicesAsync(Measurement embedded, ServicesBackend backend, CancellationToken cancel)
    {
        chatter("ingest: ours on services");
        var instance = await backend.CreateInstanceAsync("ingest", cancel);
        var table = await CreateTableAsync(instance, cancel);
        var store = ServicesBackend.Store(instance.Objects);
        var before = store.Requests.Current;
        IngestResult? result = null;
        var ours = await Measurement.RunAsync(async () =>
        {
            result = await new IngestRunner(table).IngestAsync([new ParquetInput(inputs.UnsortedPath)], cancellationToken: cancel);
            return result.RowsWritten;
        });
        var requests = store.Requests.Current - before;
        Check(result!.RowsWritten == inputs.Rows, $"Our ingest on services wrote {result.RowsWritten} rows of {inputs.Rows}.");
        _servicesTable = table;
        _requests["ingest"] = new S3RequestFigure("ingest, per data file written", result.FilesWritten, requests,
            $"{result.FilesWritten} data file(s) of {Mb(await DataBytesAsync(table, cancel)) / Math.Max(result.FilesWritten, 1):F1} MB each on average, each with its sketches object; " +
            $"files over {Mb(new S3ObjectStoreOptions().MultipartThreshold):F0} MiB go up in {Mb(new S3ObjectStoreOptions().PartSize):F0} MiB parts (one PUT to start, one per part, one to complete); {requests} for the whole ingest");
        return new CaseResult("ingest", "rows/s", ours, embedded,
            $"the ingest case's IngestRunner on a table of {Leaves} leaves of an instance on services: the same local input file, the files written to the S3 server (staged locally, then uploaded), the AddFiles committed to PostgreSQL",
            "the ingest case's run on the embedded instance (the row above)",
            $"ours wrote {result.FilesWritten} file(s) and {result.References.Count} references; S3 requests: {requests}")
        {
            OursLabel = "services",
            PeerLabel = "embedded",
        };
    }

    /// <summary>Our lookups of the same keys on the services instance's table, against the embedded lookups' figure.</summary>
    private async Task<CaseResult> LookupOnServicesAsync(Measurement embedded, ServicesBackend backend, CancellationToken cancel)
    {
        var table = await ServicesTableAsync(backend, cancel);
        var store = ServicesBackend.Store(table.Objects);
        var files = (await table.StateStore.GetStateAsync(cancel)).Files.Count;
        chatter($"lookup: ours on services ({inputs.SampleKeys.Count} keys)");
        var latencies = new List<double>();
        var before = store.Requests.Current;
        var ours = await MeasureLookupsAsync(table, "Our services", latencies, cancel, () => before = store.Requests.Current);
        var requests = store.Requests.Current - before;
        _requests["lookup"] = new S3RequestFigure("exact-key lookup, warm (after the warm-up lookups)", inputs.SampleKeys.Count, requests,
            $"the table has {files} data file(s); each lookup reads the file(s) referenced by the key's leaf. Footers come from the query's footer cache (no HEAD, no footer GET once warm); the GETs are 1 MiB blocks of the row group holding the key, for the columns read");
        latencies.Sort();
        return new CaseResult("lookup", "queries/s", ours, embedded,
            $"the lookup case's {inputs.SampleKeys.Count} exact-key queries on the services instance's table (the ingest case's, else one ingested untimed), reading the files from the S3 server with ranged GETs",
            "the lookup case's run on the embedded instance (the row above)",
            $"services p50 {Percentile(latencies, 0.5):F1} ms, p99 {Percentile(latencies, 0.99):F1} ms; S3 requests per lookup: GET {requests.Get / (double)inputs.SampleKeys.Count:F2}, HEAD {requests.Head / (double)inputs.SampleKeys.Count:F2}")
        {
            OursLabel = "services",
            PeerLabel = "embedded",
        };
    }

    private async Task<SleeperTable> ServicesTableAsync(ServicesBackend backend, CancellationToken cancel)
    {
        if (_servicesTable is null)
        {
            chatter("ingesting the services table for lookup (not timed)");
            var table = await CreateTableAsync(await backend.CreateInstanceAsync("table", cancel), cancel);
            await new IngestRunner(table).IngestAsync([new ParquetInput(inputs.UnsortedPath)], cancellationToken: cancel);
            _servicesTable = table;
        }
        return _servicesTable;
    }

    private static async Task<long> DataBytesAsync(SleeperTable table, CancellationToken cancel)
    {
        long bytes = 0;
        foreach (var name in (await table.StateStore.GetStateAsync(cancel)).Files.Keys)
        {
            bytes += (await table.Objects.GetInfoAsync(name, cancel))?.Size ?? 0;
        }
        return bytes;
    }

    /// <summary>The table the scan and lookup cases read: the one the ingest case made, else one ingested now, untimed.</summary>
    private async Task<SleeperTable> TableAsync(CancellationToken cancel)
    {
        if (_table is null)
        {
            chatter("ingesting the table for scan and lookup (not timed)");
            var table = await CreateTableAsync("table", cancel);
            await new IngestRunner(table).IngestAsync([new ParquetInput(inputs.UnsortedPath)], cancellationToken: cancel);
            _table = table;
        }
        return _table;
    }

    private async Task<SleeperTable> CreateTableAsync(string name, CancellationToken cancel) =>
        await CreateTableAsync(await EmbeddedInstance.CreateAsync(Path.Combine(folder, $"instance-{name}-{++_instances}"), cancellationToken: cancel), cancel);

    private static Task<SleeperTable> CreateTableAsync(SleeperInstance instance, CancellationToken cancel) =>
        instance.CreateTableAsync("bench", StandardRows.Schema, SleeperProperties.ForTable(),
            PartitionsBuilder.FromSplitPoints(StandardRows.Schema, StandardRows.SplitPoints(Leaves)), cancel);

    private static async Task<List<string>> DataFilesAsync(SleeperTable table, CancellationToken cancel)
    {
        var state = await table.StateStore.GetStateAsync(cancel);
        return state.Files.Keys.Order(StringComparer.Ordinal).Select(f => LocalPaths.Of(table, f)).ToList();
    }

    /// <summary>Counts the rows of a file the peer wrote, outside the timing, so a short file cannot pass for a fast one.</summary>
    private void CheckPeerOutput(string path)
    {
        using var duck = new DuckDbPeer(threads);
        var rows = Convert.ToInt64(duck.Scalar($"SELECT count(*) FROM read_parquet({DuckDbPeer.Literal(path)})"), System.Globalization.CultureInfo.InvariantCulture);
        Check(rows == inputs.Rows, $"The peer wrote {rows} rows of {inputs.Rows} to '{path}'.");
    }

    private static void Check(bool condition, string message)
    {
        if (!condition)
        {
            throw new SleeperException(message);
        }
    }

    public static double Percentile(List<double> sorted, double p) =>
        sorted.Count == 0 ? 0 : sorted[Math.Min(sorted.Count - 1, (int)(p * sorted.Count))];

    public static double Mb(long bytes) => bytes / 1048576.0;
}
