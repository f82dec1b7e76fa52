using System.Diagnostics;
using Apache.Arrow;
using Sleeper.Cli.Demo;
using Sleeper.Core;
using Sleeper.Core.Keys;
using Sleeper.Core.Partitions;
using Sleeper.Core.Properties;
using Sleeper.Core.Query;
using Sleeper.Core.Tables;
using Sleeper.Ingest;
using Sleeper.Instance;
using Sleeper.Parquet;
using Sleeper.Query;

namespace Sleeper.Cli.Bench;

/// <summary>
/// The query path on a table shaped as issue 11 asks: the input's rows in <see cref="BenchSuite.Leaves"/> leaf
/// partitions with about <see cref="FilesPerLeaf"/> files each (the input ingested in that many parts, a file per
/// leaf each), on local disk and warm. Exact-key lookups with 1, 2 and 8 concurrent callers in one process
/// (latency p50/p99 and queries/s), one query of 1,000 random keys, a range query's rows/s, DuckDB answering the
/// same lookups over the same files, and, given the services, the same lookups on the S3 server with GETs per lookup.
/// </summary>
public sealed class QueryCase(string folder, BenchInputs inputs, int threads, Action<string> chatter, ServicesBackend? services)
{
    public const int FilesPerLeaf = 5;
    private const int SampledKeys = 4000;
    private const int ManyKeys = 1000;
    private const int PeerLookups = 200;
    private static readonly int[] Callers = [1, 2, 8];

    private SleeperTable? _table;
    private List<string>? _keys;
    private int _runs;

    public Dictionary<string, S3RequestFigure> Requests { get; } = new(StringComparer.Ordinal);

    public async Task<IReadOnlyList<CaseResult>> RunAsync(CancellationToken cancel)
    {
        var (table, keys) = await TableAsync(cancel);
        var files = (await table.StateStore.GetStateAsync(cancel)).Files.Keys.Order(StringComparer.Ordinal).Select(f => LocalPaths.Of(table, f)).ToList();
        var lookups = Math.Max(2000, keys.Count);
        var query = new QueryExecutor(table);
        // Warm: every file's layout and page index cached, its pages in the OS page cache.
        chatter("query: warming up");
        foreach (var key in keys.Take(500))
        {
            await LookupAsync(query, table, key, cancel);
        }

        chatter($"query: DuckDB, {PeerLookups} lookups over the same {files.Count} files");
        var peerLatencies = new List<double>();
        var peer = await Measurement.RunAsync(() =>
        {
            using var duck = new DuckDbPeer(threads);
            var (command, Lookup) = duck.PrepareKeyLookup(files);
            using var _ = command;
            foreach (var key in keys.Take(5))
            {
                Lookup(key);
            }
            foreach (var key in keys.Take(PeerLookups))
            {
                var watch = Stopwatch.StartNew();
                Check(Lookup(key) > 0, $"DuckDB found no row for key '{key}'.");
                peerLatencies.Add(watch.Elapsed.TotalMilliseconds);
            }
            return Task.FromResult((long)PeerLookups);
        });
        peerLatencies.Sort();
        var peerNote = $"DuckDB p50 {BenchSuite.Percentile(peerLatencies, 0.5):F2} ms, p99 {BenchSuite.Percentile(peerLatencies, 0.99):F2} ms";

        var results = new List<CaseResult>();
        foreach (var callers in Callers)
        {
            chatter($"query: {lookups} lookups, {callers} caller(s)");
            var (measurement, latencies) = await MeasureLookupsAsync(query, table, keys, lookups, callers, cancel);
            results.Add(new CaseResult($"query: lookup, {callers} caller{(callers == 1 ? "" : "s")}", "queries/s", measurement, peer,
                $"{lookups} exact-key queries (one QueryExecutor shared by {callers} concurrent caller(s), Region.ForKey, all fields) of keys present, warm, on {files.Count} files in {BenchSuite.Leaves} leaves",
                $"`SELECT * FROM read_parquet([the same {files.Count} files]) WHERE key = ?`, prepared, {PeerLookups} keys one after another, {threads} threads",
                $"ours p50 {BenchSuite.Percentile(latencies, 0.5):F3} ms, p99 {BenchSuite.Percentile(latencies, 0.99):F3} ms; {peerNote}"));
        }

        chatter($"query: one query of {ManyKeys} random keys");
        var random = new Random(11);
        var many = keys.OrderBy(_ => random.Next()).Take(ManyKeys).ToList();
        var manyRegions = many.Select(k => Region.ForKey(table.Schema, Key.Of(k))).ToList();
        var manyStats = new QueryStatistics();
        var manyTimes = new List<double>();
        Measurement? manyMeasurement = null;
        for (var round = 0; round < 3; round++)
        {
            var stats = new QueryStatistics();
            var m = await Measurement.RunAsync(async () =>
            {
                long rows = 0;
                await foreach (var batch in query.RunAsync(QueryRequest.ForRegions(table.Name, manyRegions), stats, cancel))
                {
                    rows += batch.Length;
                    batch.Dispose();
                }
                return rows;
            });
            Check(m.Rows >= many.Distinct().Count(), $"The query of {ManyKeys} keys returned {m.Rows} rows.");
            manyTimes.Add(m.Elapsed.TotalMilliseconds);
            if (manyMeasurement is null || m.Elapsed < manyMeasurement.Elapsed)
            {
                manyMeasurement = m;
                manyStats = stats;
            }
        }
        var manyPeer = await Measurement.RunAsync(() =>
        {
            using var duck = new DuckDbPeer(threads);
            var list = string.Join(", ", many.Select(DuckDbPeer.Literal));
            var rows = Convert.ToInt64(duck.Scalar($"SELECT count(*) FROM (SELECT * FROM read_parquet({DuckDbPeer.FileList(files)}) WHERE key IN ({list}))"), System.Globalization.CultureInfo.InvariantCulture);
            return Task.FromResult(rows);
        });
        results.Add(new CaseResult($"query: {ManyKeys} keys in one query", "rows/s", manyMeasurement!, manyPeer,
            $"one query of {ManyKeys} random present keys (one region each), planned together, each file opened once; best of 3",
            $"`SELECT * FROM read_parquet([...]) WHERE key IN ({ManyKeys} keys)`",
            $"ours {manyMeasurement!.Elapsed.TotalMilliseconds:F1} ms (runs: {string.Join(", ", manyTimes.Select(t => t.ToString("F1", System.Globalization.CultureInfo.InvariantCulture)))} ms); {manyStats.FilesRead} files, " +
            $"{manyStats.RowGroupsRead} row groups read ({manyStats.PageReads} page by page), {manyStats.RowsScanned:N0} rows decoded"));

        // About a ninth of the key space: the keys from "1" up to "5" across several leaves.
        chatter("query: range");
        var range = Region.ForFirstFieldRange(table.Schema, KeyRange.Of(table.Schema.RowKeyFields[0], "1", "5"));
        var rangeStats = new QueryStatistics();
        var rangeMeasurement = await Measurement.RunAsync(async () =>
        {
            long rows = 0;
            await foreach (var batch in query.RunAsync(QueryRequest.ForRegions(table.Name, [range]), rangeStats, cancel))
            {
                rows += batch.Length;
                batch.Dispose();
            }
            return rows;
        });
        var rangePeer = await Measurement.RunAsync(() =>
        {
            using var duck = new DuckDbPeer(threads);
            using var command = duck.Prepare($"SELECT * FROM read_parquet({DuckDbPeer.FileList(files)}) WHERE key >= '1' AND key < '5' ORDER BY key, timestamp");
            using var reader = command.ExecuteReader();
            long rows = 0;
            while (reader.Read())
            {
                rows++;
            }
            return Task.FromResult(rows);
        });
        Check(rangeMeasurement.Rows == rangePeer.Rows, $"Our range query returned {rangeMeasurement.Rows} rows, DuckDB {rangePeer.Rows}.");
        results.Add(new CaseResult("query: range", "rows/s", rangeMeasurement, rangePeer,
            $"one range query of keys [\"1\", \"5\") in key order: {rangeStats.LeafPartitions} leaves, {rangeStats.FilesRead} files",
            "the same range with `ORDER BY key, timestamp`, stepping through every row",
            $"{rangeMeasurement.Rows:N0} rows; ours decoded {rangeStats.RowsScanned:N0}"));

        if (services is not null)
        {
            results.Add(await OnServicesAsync(services, keys, results[0].Ours, cancel));
        }
        return results;
    }

    private async Task<CaseResult> OnServicesAsync(ServicesBackend backend, List<string> keys, Measurement embedded, CancellationToken cancel)
    {
        chatter("query: building the table on services (not timed)");
        var instance = await backend.CreateInstanceAsync("query", cancel);
        var table = await CreateAndFillAsync(instance, null, cancel);
        var store = ServicesBackend.Store(table.Objects);
        var query = new QueryExecutor(table) { Footers = new ParquetFooterCache(), Pages = new ParquetPageCache() };
        var count = Math.Min(1000, keys.Count);
        foreach (var key in keys.Take(count))
        {
            await LookupAsync(query, table, key, cancel);
        }
        chatter($"query: {count} lookups on services, warm");
        var before = store.Requests.Current;
        var (measurement, latencies) = await MeasureLookupsAsync(query, table, keys, count, 1, cancel);
        var requests = store.Requests.Current - before;
        Requests["query"] = new S3RequestFigure("query: exact-key lookup, warm (page reads)", count, requests,
            "every file of the key's leaf: the first row key's page that can hold it (column index, cached), then in the file holding it the pages of the other columns; footers and page indexes cached, no HEAD");
        return new CaseResult("query: lookup on services", "queries/s", measurement, embedded,
            $"{count} exact-key queries, one caller, of the same table built on the S3 server (files read with ranged GETs), warm",
            "the 1-caller lookups on the embedded instance (above)",
            $"services p50 {BenchSuite.Percentile(latencies, 0.5):F2} ms, p99 {BenchSuite.Percentile(latencies, 0.99):F2} ms; S3 per lookup: GET {requests.Get / (double)count:F2}, HEAD {requests.Head / (double)count:F2}")
        {
            OursLabel = "services",
            PeerLabel = "embedded",
        };
    }

    private static async Task<(Measurement, List<double>)> MeasureLookupsAsync(QueryExecutor query, SleeperTable table, List<string> keys, int lookups, int callers, CancellationToken cancel)
    {
        var latencies = new double[lookups];
        var next = -1;
        var measurement = await Measurement.RunAsync(async () =>
        {
            var workers = Enumerable.Range(0, callers).Select(_ => Task.Run(async () =>
            {
                int i;
                while ((i = Interlocked.Increment(ref next)) < lookups)
                {
                    var key = keys[(int)((i * 7919L) % keys.Count)];
                    var watch = Stopwatch.StartNew();
                    var found = await LookupAsync(query, table, key, cancel);
                    latencies[i] = watch.Elapsed.TotalMilliseconds;
                    Check(found > 0, $"Our lookup of key '{key}' found nothing.");
                }
            }, cancel)).ToList();
            await Task.WhenAll(workers);
            return lookups;
        });
        var sorted = latencies.ToList();
        sorted.Sort();
        return (measurement, sorted);
    }

    private static async Task<long> LookupAsync(QueryExecutor query, SleeperTable table, string key, CancellationToken cancel)
    {
        long rows = 0;
        await foreach (var batch in query.RunAsync(QueryRequest.ForRegions(table.Name, [Region.ForKey(table.Schema, Key.Of(key))]), null, cancel))
        {
            rows += batch.Length;
            batch.Dispose();
        }
        return rows;
    }

    private async Task<(SleeperTable, List<string>)> TableAsync(CancellationToken cancel)
    {
        if (_table is null)
        {
            chatter($"query: building the table ({inputs.Rows:N0} rows, {BenchSuite.Leaves} leaves, {FilesPerLeaf} ingests of a file per leaf; not timed)");
            var instance = await EmbeddedInstance.CreateAsync(Path.Combine(folder, $"instance-query-{++_runs}"), cancellationToken: cancel);
            var keys = new List<string>();
            _table = await CreateAndFillAsync(instance, keys, cancel);
            _keys = keys;
        }
        return (_table, _keys!);
    }

    /// <summary>A table of the input's rows in <see cref="FilesPerLeaf"/> parts, each ingested as a file per leaf; samples keys on the way if given a list.</summary>
    private async Task<SleeperTable> CreateAndFillAsync(SleeperInstance instance, List<string>? keys, CancellationToken cancel)
    {
        var properties = SleeperProperties.ForTable();
        properties.Set(TableProperty.IngestFileWritingStrategy.Name, IngestRunner.OneFilePerLeaf);
        var table = await instance.CreateTableAsync("bench", StandardRows.Schema, properties,
            PartitionsBuilder.FromSplitPoints(StandardRows.Schema, StandardRows.SplitPoints(BenchSuite.Leaves)), cancel);
        var sampleEvery = Math.Max(1, inputs.Rows / SampledKeys);
        for (var part = 0; part < FilesPerLeaf; part++)
        {
            await new IngestRunner(table).IngestBatchesAsync(Part(part, keys, sampleEvery, cancel), cancellationToken: cancel);
        }
        return table;
    }

    /// <summary>Every <see cref="FilesPerLeaf"/>th batch of the unsorted input, from the given one on.</summary>
    private IEnumerable<RecordBatch> Part(int part, List<string>? keys, long sampleEvery, CancellationToken cancel)
    {
        using var reader = SortedParquetReader.Open(inputs.UnsortedPath, StandardRows.Schema, batchRows: 64 * 1024);
        var index = 0;
        long seen = 0;
        foreach (var batch in reader.ReadAllAsync(cancellationToken: cancel).ToBlockingEnumerable(cancel))
        {
            if (index++ % FilesPerLeaf != part)
            {
                batch.Dispose();
                continue;
            }
            if (keys is not null)
            {
                var column = (StringArray)batch.Column(0);
                for (var i = 0; i < batch.Length; i++, seen++)
                {
                    if (seen % sampleEvery == 0)
                    {
                        keys.Add(column.GetString(i));
                    }
                }
            }
            yield return batch;
        }
    }

    private static void Check(bool condition, string message)
    {
        if (!condition)
        {
            throw new SleeperException(message);
        }
    }
}
