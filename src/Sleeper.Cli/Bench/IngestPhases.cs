using System.Diagnostics;
using Apache.Arrow;
using Sleeper.Core.Batches;
using Sleeper.Core.Partitions;
using Sleeper.Core.Properties;
using Sleeper.Core.Sketches;
using Sleeper.Core.Tables;
using Sleeper.Ingest.Input;
using Sleeper.Parquet;

namespace Sleeper.Cli.Bench;

/// <summary>
/// Where our ingest spends its time: the steps the ingest runner takes for each batch (read, sort
/// permutation, gather, locate leaves, write), run one after another with a clock on each, so that the
/// runner itself carries no instrumentation.
/// </summary>
public sealed record IngestPhases(long Rows, int Batches, TimeSpan Read, TimeSpan Sort, TimeSpan Take, TimeSpan Locate, TimeSpan Write, TimeSpan Sketches)
{
    public TimeSpan Total => Read + Sort + Take + Locate + Write;

    public static async Task<IngestPhases> MeasureAsync(SleeperTable table, string input, string folder, CancellationToken cancel)
    {
        var state = await table.StateStore.GetStateAsync(cancel);
        var locator = new PartitionLocator(state.PartitionTree(), table.Schema);
        var settings = ParquetWriteSettings.From(table.Schema, table.Properties);
        var maxRows = table.Properties.GetInt(TableProperty.IngestBatchRows);
        Directory.CreateDirectory(folder);
        TimeSpan read = default, sort = default, take = default, locate = default, write = default, sketches = default;
        long rows = 0;
        var batches = 0;
        var watch = Stopwatch.StartNew();
        using var source = new ParquetInput(input).ReadBatches(table.Schema, maxRows).GetEnumerator();
        while (source.MoveNext())
        {
            using var batch = source.Current;
            read += watch.Elapsed;
            watch.Restart();
            var permutation = BatchSorter.SortPermutation(batch, table.Schema);
            sort += watch.Elapsed;
            watch.Restart();
            using var sorted = BatchTake.Take(batch, permutation);
            take += watch.Elapsed;
            watch.Restart();
            // The call ingest itself makes: a sorted batch is placed by binary search where the splits allow it.
            _ = locator.LocateSorted(sorted);
            locate += watch.Elapsed;
            watch.Restart();
            using (var writer = new SortedParquetWriter(Path.Combine(folder, $"batch-{batches}.parquet"), settings))
            {
                writer.Write(sorted);
                await writer.CommitAsync(cancel);
            }
            write += watch.Elapsed;
            // The writer updates sketches as it goes; doing it again alone shows their share of the write.
            watch.Restart();
            new RowKeySketches(table.Schema).UpdateFromBatch(sorted);
            sketches += watch.Elapsed;
            rows += batch.Length;
            batches++;
            watch.Restart();
        }
        read += watch.Elapsed;
        return new IngestPhases(rows, batches, read, sort, take, locate, write, sketches);
    }

    /// <summary>One line for the report: seconds and share of each phase.</summary>
    public string Describe()
    {
        var total = Math.Max(Total.TotalSeconds, 1e-9);
        string Part(string name, TimeSpan t) => $"{name} {t.TotalSeconds:F2} s ({100 * t.TotalSeconds / total:F0}%)";
        return $"{Rows:N0} rows in {Batches} batches, {Total.TotalSeconds:F2} s: {Part("read", Read)}, {Part("sort permutation", Sort)}, " +
            $"{Part("gather (take)", Take)}, {Part("locate leaves", Locate)}, {Part("write", Write)} (of which key sketches {Sketches.TotalSeconds:F2} s)";
    }
}
