using Sleeper.Core.Files;
using Sleeper.Core.Partitions;

namespace Sleeper.Core.Splitting;

/// <summary>
/// How many rows a leaf partition holds, as its file references tell, and whether that passes the split threshold.
/// As in Sleeper, only references in the leaf itself that cover a file wholly inside it with an exact row count
/// are counted: those are the files whose sketches describe the leaf's rows alone. References pushed down from
/// an ancestor (partial, approximate) and files spanning several leaves count once compaction has rewritten
/// them into files of this leaf.
/// </summary>
public sealed record PartitionSplitCheck(
    Partition Partition,
    IReadOnlyList<FileReference> FilesWhollyInPartition,
    long KnownRows,
    long EstimatedRows,
    long Threshold)
{
    /// <summary>The leaf holds more rows than the threshold in files wholly its own, so it can be split now.</summary>
    public bool NeedsSplitting => KnownRows > Threshold;

    /// <summary>Counting every reference that reaches the leaf, it passes the threshold; a compaction would let it split.</summary>
    public bool MaySplitIfCompacted => !NeedsSplitting && EstimatedRows > Threshold;

    /// <param name="referencesByPartition">Every file reference of the table, grouped by partition id.</param>
    public static PartitionSplitCheck For(PartitionTree tree, Partition leaf, IReadOnlyDictionary<string, List<FileReference>> referencesByPartition, long threshold)
    {
        var own = referencesByPartition.GetValueOrDefault(leaf.Id) ?? [];
        var whole = own.Where(r => r.OnlyContainsDataForThisPartition && !r.CountApproximate).ToList();
        var known = whole.Sum(r => r.NumberOfRows);
        // Rows referenced from an ancestor are spread over its leaves; as Sleeper estimates, a leaf gets half of
        // its parent's, a quarter of its grandparent's, and so on.
        var estimated = own.Sum(r => r.NumberOfRows);
        long divisor = 1;
        foreach (var ancestor in tree.AncestorsOf(leaf.Id))
        {
            divisor = divisor >= long.MaxValue / 2 ? long.MaxValue : divisor * 2;
            estimated += (referencesByPartition.GetValueOrDefault(ancestor.Id) ?? []).Sum(r => r.NumberOfRows) / divisor;
        }
        return new PartitionSplitCheck(leaf, whole, known, estimated, threshold);
    }
}
