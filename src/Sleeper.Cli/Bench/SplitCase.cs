using System.Diagnostics;
using System.Globalization;
using Apache.Arrow;
using ParquetSharp;
using ParquetSharp.Arrow;
using Sleeper.Cli.Demo;
using Sleeper.Compaction;
using Sleeper.Core;
using Sleeper.Core.Batches;
using Sleeper.Core.Compaction;
using Sleeper.Core.Partitions;
using Sleeper.Core.Properties;
using Sleeper.Ingest;
using Sleeper.Ingest.Input;
using Sleeper.Instance;
using Sleeper.Splitter;

namespace Sleeper.Cli.Bench;

/// <summary>
/// Partition splitting on skewed keys: most rows under a few key prefixes, ingested in parts into a table that
/// starts with one partition and splits at a twentieth of the rows (1M for 20M). After each ingest, rounds of
/// compaction (every leaf to a file of its own) and splitting run until no leaf is over the threshold. Reports
/// the rounds, the time and the spread of leaf sizes; the peer sorts the same rows into one file.
/// </summary>
public sealed class SplitCase(string folder, long rows, int seed, int threads, Action<string> chatter)
{
    public const int Ingests = 4;
    private const int ChunkRows = 1_000_000;
    private static readonly string[] HotPrefixes = ["a7", "k2", "k3", "x9"];

    private List<string>? _inputs;
    private int _runs;

    /// <summary>The split threshold: a twentieth of the rows, so the table ends with about 20-40 leaves whatever the size.</summary>
    public long Threshold => Math.Max(50, rows / 20);

    public async Task<CaseResult> RunAsync(CancellationToken cancel)
    {
        var inputs = Inputs(cancel);
        _runs++;
        var instance = await EmbeddedInstance.CreateAsync(Path.Combine(folder, $"instance-split-{_runs}"), cancellationToken: cancel);
        var properties = SleeperProperties.ForTable();
        properties.Set(TableProperty.PartitionSplittingThreshold.Name, Threshold.ToString(CultureInfo.InvariantCulture));
        var table = await instance.CreateTableAsync("bench", StandardRows.Schema, properties, PartitionsBuilder.SingleRoot(StandardRows.Schema), cancel);
        var splitter = new PartitionSplitter(table, PartitionSplitter.OptionsFrom(instance.Properties));
        var rounds = 0;
        var splits = 0;
        long compacted = 0;
        var ingestTime = TimeSpan.Zero;
        var compactionTime = TimeSpan.Zero;
        var splitTime = TimeSpan.Zero;
        chatter($"split: ours ({Ingests} ingests, threshold {Threshold:N0} rows)");
        var ours = await Measurement.RunAsync(async () =>
        {
            foreach (var input in inputs)
            {
                var watch = Stopwatch.StartNew();
                await new IngestRunner(table).IngestAsync([new ParquetInput(input)], cancellationToken: cancel);
                ingestTime += watch.Elapsed;
                while (true)
                {
                    rounds++;
                    watch.Restart();
                    compacted += await CompactAllAsync(table, cancel);
                    compactionTime += watch.Elapsed;
                    watch.Restart();
                    var round = await splitter.RunRoundAsync(cancel);
                    splitTime += watch.Elapsed;
                    var split = round.Splits.Count();
                    splits += split;
                    if (split == 0)
                    {
                        break;
                    }
                }
            }
            return rows;
        });
        var state = await table.StateStore.GetStateAsync(cancel);
        var leaves = state.Partitions.Values.Where(p => p.IsLeaf).ToList();
        var rowsPerLeaf = leaves.Select(l => state.AllReferences().Where(r => r.PartitionId == l.Id).Sum(r => r.NumberOfRows)).ToList();
        if (rowsPerLeaf.Sum() != rows)
        {
            throw new SleeperException($"The split case's table holds {rowsPerLeaf.Sum()} rows of {rows}.");
        }
        var over = rowsPerLeaf.Count(r => r > Threshold);
        var largest = rowsPerLeaf.Max();
        var smallest = rowsPerLeaf.Min();
        var spread = largest / (double)Math.Max(1, smallest);

        chatter("split: peer");
        var peerOut = Path.Combine(folder, $"peer-split-{_runs}.parquet");
        var peer = await Measurement.RunAsync(() =>
        {
            using var duck = new DuckDbPeer(threads);
            duck.Execute($"COPY (SELECT * FROM read_parquet({DuckDbPeer.FileList(inputs)}) ORDER BY key, timestamp) TO {DuckDbPeer.Literal(peerOut)} " +
                "(FORMAT parquet, COMPRESSION zstd, COMPRESSION_LEVEL 3, ROW_GROUP_SIZE 100000)");
            return Task.FromResult(rows);
        });
        return new CaseResult("split", "rows/s", ours, peer,
            $"{Ingests} ingests of skewed rows ({HotPrefixes.Length} key prefixes hold 80% of them) into a one-partition table with threshold {Threshold:N0}; after each, rounds of `compact --all` and a splitting round until nothing splits",
            "`COPY (SELECT * FROM read_parquet([the same files]) ORDER BY key, timestamp) TO out`: one sorted file, no partitions",
            $"{rounds} rounds, {splits} splits, {leaves.Count} leaves, {over} over the threshold; leaf rows {smallest:N0} to {largest:N0} (largest/smallest {spread:F2}); " +
            $"every row kept; ours took ingest {ingestTime.TotalSeconds:F1} s, compaction {compactionTime.TotalSeconds:F1} s ({compacted:N0} rows rewritten), splitting {splitTime.TotalSeconds:F1} s");
    }

    /// <summary>Every leaf compacted to one file of its own, jobs run two at a time; returns the rows read.</summary>
    private async Task<long> CompactAllAsync(Core.Tables.SleeperTable table, CancellationToken cancel)
    {
        var jobs = await new CompactionJobCreator(table).CreateJobsAsync(new ForcedCompactionStrategy(), cancel);
        long read = 0;
        var task = new CompactionTask();
        await Parallel.ForEachAsync(jobs, new ParallelOptions { MaxDegreeOfParallelism = threads, CancellationToken = cancel }, async (job, token) =>
        {
            var result = await task.RunAsync(table, job, token);
            Interlocked.Add(ref read, result.RowsRead);
        });
        return read;
    }

    /// <summary>The skewed rows as Parquet files, one per ingest, made once and untimed.</summary>
    private List<string> Inputs(CancellationToken cancel)
    {
        if (_inputs is not null)
        {
            return _inputs;
        }
        chatter($"split: generating {rows:N0} skewed rows");
        var random = new Random(seed + 17);
        var schema = StandardRows.Schema;
        var arrowSchema = ArrowSchemas.ToArrow(schema);
        _inputs = [];
        var perInput = rows / Ingests;
        for (var i = 0; i < Ingests; i++)
        {
            var path = Path.Combine(folder, $"skewed-{i}.parquet");
            var inputRows = i == Ingests - 1 ? rows - perInput * (Ingests - 1) : perInput;
            using var properties = new WriterPropertiesBuilder().Compression(Compression.Zstd).CompressionLevel(3).MaxRowGroupLength(100_000).DisableDictionary().Build();
            using var writer = new FileWriter(path, arrowSchema, properties);
            for (long done = 0; done < inputRows; done += ChunkRows)
            {
                cancel.ThrowIfCancellationRequested();
                var n = (int)Math.Min(ChunkRows, inputRows - done);
                using var batch = SkewedBatch(schema, n, random);
                writer.WriteBufferedRecordBatch(new RecordBatch(arrowSchema, batch.Arrays, batch.Length));
            }
            writer.Close();
            _inputs.Add(path);
        }
        return _inputs;
    }

    private static RecordBatch SkewedBatch(Core.Schema.TableSchema schema, int count, Random random)
    {
        var builder = new RecordBatchBuilder(schema, count);
        Span<byte> key = stackalloc byte[12];
        Span<byte> value = stackalloc byte[40];
        for (var r = 0; r < count; r++)
        {
            var start = 0;
            if (random.Next(10) < 8)
            {
                var prefix = HotPrefixes[random.Next(HotPrefixes.Length)];
                start = System.Text.Encoding.ASCII.GetBytes(prefix, key);
            }
            for (var c = start; c < key.Length; c++)
            {
                key[c] = (byte)StandardRows.Alphabet[random.Next(StandardRows.Alphabet.Length)];
            }
            for (var c = 0; c < value.Length; c++)
            {
                value[c] = (byte)StandardRows.Alphabet[random.Next(StandardRows.Alphabet.Length)];
            }
            builder.AppendUtf8(0, key);
            builder.AppendInt64(1, 1_700_000_000_000L + r);
            builder.AppendUtf8(2, value);
            builder.EndRow();
        }
        return builder.Build();
    }
}
