using Sleeper.Core.Splitting;

namespace Sleeper.Splitter;

/// <summary>What became of one split job.</summary>
public enum SplitOutcomeKind
{
    /// <summary>The partition was split and the split committed.</summary>
    Split,

    /// <summary>Every row in the sketches has the same key; remembered until the partition's files change.</summary>
    Unsplittable,

    /// <summary>Another process split the partition first; nothing was committed.</summary>
    AlreadySplit,

    /// <summary>A file the job named was compacted and garbage collected meanwhile; the next round looks again.</summary>
    FilesChanged,
}

/// <summary>The result of one split job: what was decided, from how many sketches, and the new children if it split.</summary>
public sealed record PartitionSplitOutcome(
    SplitOutcomeKind Kind,
    SplitPartitionJob Job,
    int SketchFilesRead,
    SplitPointChoice? Choice,
    string? LeftChildId = null,
    string? RightChildId = null,
    string? Reason = null)
{
    public string PartitionId => Job.PartitionId;

    public long RowCount => Job.RowCount;
}
