using Sleeper.Core.Splitting;

namespace Sleeper.Splitter;

/// <summary>One round of splitting over a table: the outcome of each job, and the leaves over the threshold that were not tried.</summary>
public sealed record SplittingRoundResult(
    string TableName,
    long Threshold,
    IReadOnlyList<PartitionSplitOutcome> Outcomes,
    IReadOnlyList<UnsplittablePartition> KnownUnsplittable,
    IReadOnlyList<PartitionSplitCheck> WaitingForCompaction)
{
    public IEnumerable<PartitionSplitOutcome> Splits => Outcomes.Where(o => o.Kind == SplitOutcomeKind.Split);

    public IEnumerable<PartitionSplitOutcome> NewlyUnsplittable => Outcomes.Where(o => o.Kind == SplitOutcomeKind.Unsplittable);
}
