namespace Sleeper.Core.Splitting;

/// <summary>What one look at a table found: the leaves to split now, and the leaves over the threshold that are not split.</summary>
public sealed record PartitionsToSplit(
    long Threshold,
    IReadOnlyList<SplitPartitionJob> Jobs,
    IReadOnlyList<UnsplittablePartition> KnownUnsplittable,
    IReadOnlyList<PartitionSplitCheck> WaitingForCompaction);
