using Apache.Arrow;
using ParquetSharp;
using ParquetSharp.Arrow;
using Sleeper.BulkImport;
using Sleeper.Cli.Demo;
using Sleeper.Core;
using Sleeper.Core.Batches;
using Sleeper.Core.Partitions;
using Sleeper.Core.Properties;
using Sleeper.Ingest.Input;
using Sleeper.Instance;

namespace Sleeper.Cli.Bench;

/// <summary>
/// The bulk import case: several unsorted Parquet files loaded into a new one-partition table that asks for
/// 64 leaves, so ours sketches the input, pre-splits, partitions, sorts and writes a file per leaf; against the
/// peer sorting the same files into one file with a single COPY statement.
/// </summary>
public sealed class BulkImportCase(string folder, long rows, int seed, int threads, Action<string> chatter)
{
    public const int MinLeaves = 64;
    private const int MaxInputFiles = 8;
    private const int ChunkRows = 1_000_000;
    private const string PeerOptions = "(FORMAT parquet, COMPRESSION zstd, COMPRESSION_LEVEL 3, ROW_GROUP_SIZE 100000)";

    private List<string>? _inputs;
    private int _runs;

    public async Task<CaseResult> RunAsync(CancellationToken cancel)
    {
        var inputs = await InputsAsync(cancel);
        _runs++;
        var instance = await EmbeddedInstance.CreateAsync(Path.Combine(folder, $"instance-bulk-import-{_runs}"), cancellationToken: cancel);
        var properties = SleeperProperties.ForTable();
        properties.Set(TableProperty.BulkImportMinLeafPartitions.Name, MinLeaves.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var table = await instance.CreateTableAsync("bench", StandardRows.Schema, properties, PartitionsBuilder.SingleRoot(StandardRows.Schema), cancel);

        chatter($"bulk-import: ours ({inputs.Count} files)");
        BulkImportResult? result = null;
        var ours = await Measurement.RunAsync(async () =>
        {
            result = await new BulkImportRunner(table, new BulkImportOptions { Parallelism = threads })
                .ImportAsync(inputs.Select(f => (IIngestInput)new ParquetInput(f)).ToList(), cancellationToken: cancel);
            return result.RowsWritten;
        });
        var state = await table.StateStore.GetStateAsync(cancel);
        var written = state.Files.Keys.Select(f => LocalPaths.Of(table, f)).ToList();
        CheckRows(written, "Our bulk import");

        chatter("bulk-import: peer");
        var peerOut = Path.Combine(folder, $"peer-bulk-import-{_runs}.parquet");
        var peer = await Measurement.RunAsync(() =>
        {
            using var duck = new DuckDbPeer(threads);
            duck.Execute($"COPY (SELECT * FROM read_parquet({DuckDbPeer.FileList(inputs)}) ORDER BY key, timestamp) TO {DuckDbPeer.Literal(peerOut)} {PeerOptions}");
            return Task.FromResult(rows);
        });
        CheckRows([peerOut], "The peer");
        return new CaseResult("bulk-import", "rows/s", ours, peer,
            $"bulk imports {inputs.Count} unsorted Parquet files into a new one-partition table with sleeper.table.bulk.import.min.leaf.partitions={MinLeaves} (BulkImportRunner, {threads} threads): reads every file on every thread, holding the rows in memory while it sketches an even sample of the first key, commits the pre-split, groups the rows by leaf, sorts each leaf and writes its file with sketches, several leaves at once, then commits one AddFiles",
            $"`COPY (SELECT * FROM read_parquet([the same {inputs.Count} files]) ORDER BY key, timestamp) TO out {PeerOptions}`: one globally sorted file, {threads} threads",
            $"ours pre-split 1 → {result!.LeafPartitions} leaves, wrote {result.FilesWritten} files, {result.SpilledRuns} spilled runs; ours took {result.Timings}; " +
            // The process's working set before the case already holds what making the inputs left mapped, so the peak above start understates it.
            $"whole-process peak working set ours {BenchSuite.Mb(ours.PeakBytes):N0} MB, peer {BenchSuite.Mb(peer.PeakBytes):N0} MB; the peer wrote one file with no partitions");
    }

    /// <summary>Unsorted input files of the standard schema, made once and not timed.</summary>
    private async Task<List<string>> InputsAsync(CancellationToken cancel)
    {
        if (_inputs is not null)
        {
            return _inputs;
        }
        var dir = Path.Combine(folder, "bulk-import-inputs");
        Directory.CreateDirectory(dir);
        var files = (int)Math.Clamp(rows / 1000, 1, MaxInputFiles);
        chatter($"making the bulk import inputs: {files} unsorted Parquet files, {rows:N0} rows in all (not timed)");
        var generator = new StandardRows(seed + 1);
        var arrowSchema = ArrowSchemas.ToArrow(StandardRows.Schema);
        var paths = new List<string>();
        for (var f = 0; f < files; f++)
        {
            var path = Path.Combine(dir, $"input-{f}.parquet");
            var fileRows = (rows / files) + (f < rows % files ? 1 : 0);
            using var properties = new WriterPropertiesBuilder().Compression(Compression.Zstd).CompressionLevel(3).MaxRowGroupLength(100_000).DisableDictionary().Build();
            using var writer = new FileWriter(path, arrowSchema, properties);
            for (long done = 0; done < fileRows; done += ChunkRows)
            {
                cancel.ThrowIfCancellationRequested();
                using var batch = generator.Next((int)Math.Min(ChunkRows, fileRows - done));
                writer.WriteBufferedRecordBatch(new RecordBatch(arrowSchema, batch.Arrays, batch.Length));
            }
            writer.Close();
            paths.Add(path);
        }
        await Task.CompletedTask;
        _inputs = paths;
        return paths;
    }

    /// <summary>Counts the rows of the output files outside the timing, so short output cannot pass for fast output.</summary>
    private void CheckRows(IReadOnlyList<string> paths, string who)
    {
        using var duck = new DuckDbPeer(threads);
        var found = Convert.ToInt64(duck.Scalar($"SELECT count(*) FROM read_parquet({DuckDbPeer.FileList(paths)})"), System.Globalization.CultureInfo.InvariantCulture);
        if (found != rows)
        {
            throw new SleeperException($"{who} wrote {found} rows of {rows}.");
        }
    }
}
