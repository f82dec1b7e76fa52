using Sleeper.Core.Partitions;
using Sleeper.Core.Splitting;

namespace Sleeper.Splitter;

/// <summary>
/// A split decided but not yet committed: the choice made from the sketches and, when it splits, the updated
/// parent and its two new children. Deciding and committing are apart so that the time between them, when other
/// processes may change the table, can be examined.
/// </summary>
public sealed record SplitPlan(
    SplitPartitionJob Job,
    int SketchFilesRead,
    SplitPointChoice? Choice,
    (Partition Parent, Partition Left, Partition Right)? Partitions,
    string? MissingFile);
