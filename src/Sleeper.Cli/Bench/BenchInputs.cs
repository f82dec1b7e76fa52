using Apache.Arrow;
using ParquetSharp;
using ParquetSharp.Arrow;
using Sleeper.Cli.Demo;
using Sleeper.Core.Batches;
using Sleeper.Parquet;

namespace Sleeper.Cli.Bench;

/// <summary>
/// The input files every case shares, made before any timing: the same generated rows once unsorted and once
/// sorted, and keys known to be in them for lookups.
/// </summary>
public sealed class BenchInputs
{
    private const int ChunkRows = 1_000_000;

    private BenchInputs(string unsortedPath, string sortedPath, long rows, IReadOnlyList<string> sampleKeys)
    {
        UnsortedPath = unsortedPath;
        SortedPath = sortedPath;
        Rows = rows;
        SampleKeys = sampleKeys;
    }

    public string UnsortedPath { get; }
    public string SortedPath { get; }
    public long Rows { get; }

    /// <summary>Keys spread over the whole input, each present in it.</summary>
    public IReadOnlyList<string> SampleKeys { get; }

    public static async Task<BenchInputs> CreateAsync(string folder, long rows, int seed, int sampleCount, CancellationToken cancel)
    {
        var unsortedPath = Path.Combine(folder, "input-unsorted.parquet");
        var sortedPath = Path.Combine(folder, "input-sorted.parquet");
        var generator = new StandardRows(seed);
        var schema = StandardRows.Schema;
        var keys = new List<string>();
        var sortedChunks = new List<RecordBatch>();
        var sampleEvery = (int)Math.Max(1, rows / sampleCount);
        // A plain writer for the unsorted file: it must not claim a sort order it does not have, or a reader
        // that trusts the metadata would skip work the case is meant to measure.
        var arrowSchema = ArrowSchemas.ToArrow(schema);
        using (var properties = new WriterPropertiesBuilder().Compression(Compression.Zstd).CompressionLevel(3).MaxRowGroupLength(100_000).DisableDictionary().Build())
        using (var writer = new FileWriter(unsortedPath, arrowSchema, properties))
        {
            for (long done = 0; done < rows; done += ChunkRows)
            {
                cancel.ThrowIfCancellationRequested();
                var n = (int)Math.Min(ChunkRows, rows - done);
                using var batch = generator.Next(n, keys, sampleEvery);
                writer.WriteBufferedRecordBatch(new RecordBatch(arrowSchema, batch.Arrays, batch.Length));
                sortedChunks.Add(BatchTake.Take(batch, BatchSorter.SortPermutation(batch, schema)));
            }
            writer.Close();
        }
        using (var writer = new SortedParquetWriter(sortedPath, ParquetWriteSettings.Defaults(schema)))
        {
            foreach (var batch in new StreamingBatchMerger(schema, 64 * 1024).Merge(sortedChunks.Select(c => (IEnumerable<RecordBatch>)[c]).ToList()))
            {
                using (batch)
                {
                    writer.Write(batch);
                }
            }
            await writer.CommitAsync(cancel);
        }
        foreach (var chunk in sortedChunks)
        {
            chunk.Dispose();
        }
        var step = Math.Max(1, keys.Count / sampleCount);
        var sample = keys.Where((_, i) => i % step == 0).Take(sampleCount).ToList();
        return new BenchInputs(unsortedPath, sortedPath, rows, sample);
    }
}
