using System.Diagnostics;
using Apache.Arrow;
using Sleeper.Core.Batches;
using Sleeper.Core.Partitions;
using Sleeper.Core.Properties;
using Sleeper.Core.Sketches;
using Sleeper.Core.Tables;
using Sleeper.Ingest.Input;
using Sleeper.Ingest.Spill;
using Sleeper.Parquet;

namespace Sleeper.Cli.Bench;

/// <summary>
/// Where our ingest spends its time: the steps the ingest runner takes (read, sort permutation, gather, locate
/// leaves, merge half a budget of sorted batches into a run on disk, merge the runs, write the table's file), run one after another
/// on one thread with a clock on each, so that the runner itself carries no instrumentation. The runner
/// overlaps read with sort and merge with write, so its wall time is less than this sum.
/// </summary>
public sealed record IngestPhases(long Rows, int Batches, TimeSpan Read, TimeSpan Sort, TimeSpan Take, TimeSpan Locate, TimeSpan Spill, TimeSpan Merge,
    TimeSpan Write, TimeSpan Sketches)
{
    public TimeSpan Total => Read + Sort + Take + Locate + Spill + Merge + Write;

    public static async Task<IngestPhases> MeasureAsync(SleeperTable table, string input, string folder, CancellationToken cancel)
    {
        var state = await table.StateStore.GetStateAsync(cancel);
        var locator = new PartitionLocator(state.PartitionTree(), table.Schema);
        var settings = ParquetWriteSettings.From(table.Schema, table.Properties) with { EncodeColumnsInParallel = true };
        var maxRows = table.Properties.GetInt(TableProperty.IngestBatchRows);
        Directory.CreateDirectory(folder);
        TimeSpan read = default, sort = default, take = default, locate = default, spill = default, merge = default, write = default, sketches = default;
        long rows = 0;
        var runs = new List<string>();
        var budget = table.Properties.GetBytes(TableProperty.IngestMemoryBytes);
        var held = new List<RecordBatch>();
        long heldBytes = 0;
        var watch = Stopwatch.StartNew();
        using (var source = new ParquetInput(input).ReadBatches(table.Schema, maxRows).GetEnumerator())
        {
            while (source.MoveNext())
            {
                using var batch = source.Current;
                read += watch.Elapsed;
                watch.Restart();
                var permutation = BatchSorter.SortPermutation(batch, table.Schema);
                sort += watch.Elapsed;
                watch.Restart();
                // Owned by the held list from here; the merge disposes it.
                var sorted = BatchTake.Take(batch, permutation);
                take += watch.Elapsed;
                watch.Restart();
                _ = locator.LocateSorted(sorted);
                locate += watch.Elapsed;
                watch.Restart();
                // As the sorter does: half the budget held, then merged into one run on disk.
                var bytes = BatchBytes.Of(sorted);
                if (held.Count > 0 && heldBytes + bytes > budget / 2)
                {
                    SpillRun(held, runs, folder, table);
                    held = [];
                    heldBytes = 0;
                }
                held.Add(sorted);
                heldBytes += bytes;
                spill += watch.Elapsed;
                rows += batch.Length;
                watch.Restart();
            }
        }
        var inputs = runs.Select(SortedRunFile.Read).Concat(held.Select(b => (IEnumerable<RecordBatch>)[b])).ToList();
        read += watch.Elapsed;
        watch.Restart();
        using (var writer = new SortedParquetWriter(Path.Combine(folder, "merged.parquet"), settings))
        {
            foreach (var batch in new StreamingBatchMerger(table.Schema, 64 * 1024).Merge(inputs))
            {
                using (batch)
                {
                    merge += watch.Elapsed;
                    watch.Restart();
                    writer.Write(batch);
                    write += watch.Elapsed;
                    // The writer updates sketches as it goes; doing it again alone shows their share of the write.
                    watch.Restart();
                    new RowKeySketches(table.Schema).UpdateFromBatch(batch);
                    sketches += watch.Elapsed;
                    watch.Restart();
                }
            }
            merge += watch.Elapsed;
            watch.Restart();
            await writer.CommitAsync(cancel);
            write += watch.Elapsed;
        }
        foreach (var run in runs)
        {
            File.Delete(run);
        }
        return new IngestPhases(rows, runs.Count, read, sort, take, locate, spill, merge, write, sketches);
    }

    private static void SpillRun(List<RecordBatch> held, List<string> runs, string folder, SleeperTable table)
    {
        var run = Path.Combine(folder, $"run-{runs.Count}{SortedRunFile.Extension}");
        SortedRunFile.Write(run, new StreamingBatchMerger(table.Schema, 16 * 1024).Merge(held.Select(b => (IEnumerable<RecordBatch>)[b]).ToList()));
        runs.Add(run);
    }

    /// <summary>One line for the report: seconds and share of each phase.</summary>
    public string Describe()
    {
        var total = Math.Max(Total.TotalSeconds, 1e-9);
        string Part(string name, TimeSpan t) => $"{name} {t.TotalSeconds:F2} s ({100 * t.TotalSeconds / total:F0}%)";
        return $"{Rows:N0} rows in {Batches} sorted runs, {Total.TotalSeconds:F2} s one step at a time: {Part("read", Read)}, {Part("sort permutation", Sort)}, " +
            $"{Part("gather (take)", Take)}, {Part("locate leaves", Locate)}, {Part("spill (merge held batches to a run)", Spill)}, {Part("merge runs", Merge)}, " +
            $"{Part("encode and write", Write)} (key sketches alone {Sketches.TotalSeconds:F2} s)";
    }
}
