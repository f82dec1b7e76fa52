using Sleeper.Core.Files;
using Sleeper.Core.Partitions;

namespace Sleeper.Core.Splitting;

/// <summary>
/// Finds the leaf partitions of a table to split: each leaf whose files wholly its own hold more rows than the
/// threshold gets a job naming the files whose sketches will decide the split, the largest first (as Sleeper
/// picks them when there are more than it may read), unless the same leaf with the same files was already found
/// unsplittable.
/// </summary>
public static class FindPartitionsToSplit
{
    public static PartitionsToSplit Find(
        string tableId,
        PartitionTree tree,
        IEnumerable<FileReference> references,
        long threshold,
        int maxFilesPerJob,
        IReadOnlyCollection<UnsplittablePartition>? knownUnsplittable = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxFilesPerJob, 1);
        var byPartition = references.GroupBy(r => r.PartitionId, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
        var jobs = new List<SplitPartitionJob>();
        var stillUnsplittable = new List<UnsplittablePartition>();
        var waiting = new List<PartitionSplitCheck>();
        // Leaves in a stable order, so a round's output and its use of any random source are reproducible.
        foreach (var leaf in tree.Leaves.OrderBy(l => l.Id, StringComparer.Ordinal))
        {
            var check = PartitionSplitCheck.For(tree, leaf, byPartition, threshold);
            if (check.MaySplitIfCompacted)
            {
                waiting.Add(check);
            }
            if (!check.NeedsSplitting)
            {
                continue;
            }
            var files = check.FilesWhollyInPartition
                .OrderByDescending(r => r.NumberOfRows)
                .ThenBy(r => r.Filename, StringComparer.Ordinal)
                .Take(maxFilesPerJob)
                .Select(r => r.Filename)
                .ToList();
            var job = new SplitPartitionJob(tableId, leaf, files, check.KnownRows);
            var known = knownUnsplittable?.FirstOrDefault(u => u.AppliesTo(job));
            if (known is not null)
            {
                stillUnsplittable.Add(known);
            }
            else
            {
                jobs.Add(job);
            }
        }
        return new PartitionsToSplit(threshold, jobs, stillUnsplittable, waiting);
    }
}
