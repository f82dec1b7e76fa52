using Apache.Arrow;
using Sleeper.Cli.Demo;
using Sleeper.Core.Batches;
using Sleeper.Parquet;

namespace Sleeper.Cli.Bench;

/// <summary>
/// The sorted input files of the compaction cases, made once before any timing and copied into a fresh table
/// for each run (a compaction replaces its inputs' references, so a table serves one run only).
/// </summary>
public sealed class CompactionInputs
{
    public const int FilesPerJob = 10;

    private CompactionInputs(long rows, IReadOnlyList<StagedFile> wholeFiles, IReadOnlyList<IReadOnlyList<StagedFile>> leafFiles)
    {
        Rows = rows;
        WholeFiles = wholeFiles;
        LeafFiles = leafFiles;
    }

    /// <summary>Rows in all the files of one case (the same for both cases).</summary>
    public long Rows { get; }

    /// <summary>For the one-job case: <see cref="FilesPerJob"/> sorted files spanning the whole key space.</summary>
    public IReadOnlyList<StagedFile> WholeFiles { get; }

    /// <summary>
    /// For the concurrent case, per leaf: the same rows as <see cref="WholeFiles"/>, each file cut at the leaf
    /// boundaries, as an ingest of sorted batches into those leaves would write them.
    /// </summary>
    public IReadOnlyList<IReadOnlyList<StagedFile>> LeafFiles { get; }

    /// <summary>A staged file: its path, its rows and a key it holds (to find its leaf by).</summary>
    public sealed record StagedFile(string Path, long Rows, string FirstKey);

    public static async Task<CompactionInputs> CreateAsync(string folder, long rows, int seed, int leaves, CancellationToken cancel)
    {
        Directory.CreateDirectory(folder);
        var schema = StandardRows.Schema;
        var settings = ParquetWriteSettings.Defaults(schema);
        // Its own seed, so these rows are not the other cases' rows over again.
        var generator = new StandardRows(seed + 1);
        var splits = StandardRows.SplitPoints(leaves).Select(p => System.Text.Encoding.UTF8.GetBytes((string)p)).ToList();
        var wholeFiles = new List<StagedFile>();
        var leafFiles = Enumerable.Range(0, splits.Count + 1).Select(_ => new List<StagedFile>()).ToList();
        for (var f = 0; f < FilesPerJob; f++)
        {
            var n = (int)(rows / FilesPerJob + (f < rows % FilesPerJob ? 1 : 0));
            using var unsorted = generator.Next(n);
            var order = BatchSorter.SortPermutation(unsorted, schema);
            using (var sorted = BatchTake.Take(unsorted, order))
            {
                var path = Path.Combine(folder, $"whole-{f}.parquet");
                await WriteAsync(path, sorted, settings, cancel);
                wholeFiles.Add(new StagedFile(path, n, ((StringArray)sorted.Column(0)).GetString(0)));
            }
            // Cut the sorted order at the split points: a run of indices per leaf, each still in key order.
            var keys = (StringArray)unsorted.Column(0);
            var start = 0;
            for (var leaf = 0; leaf <= splits.Count; leaf++)
            {
                var end = start;
                while (end < order.Length && (leaf == splits.Count || keys.GetBytes(order[end]).SequenceCompareTo(splits[leaf]) < 0))
                {
                    end++;
                }
                if (end > start)
                {
                    using var slice = BatchTake.Take(unsorted, order.AsSpan(start, end - start));
                    var path = Path.Combine(folder, $"leaf-{leaf}-{f}.parquet");
                    await WriteAsync(path, slice, settings, cancel);
                    leafFiles[leaf].Add(new StagedFile(path, end - start, keys.GetString(order[start])));
                }
                start = end;
            }
        }
        return new CompactionInputs(rows, wholeFiles, leafFiles);
    }

    private static async Task WriteAsync(string path, RecordBatch sorted, ParquetWriteSettings settings, CancellationToken cancel)
    {
        await using var writer = new SortedParquetWriter(path, settings);
        writer.Write(sorted);
        await writer.CommitAsync(cancel);
    }
}
