using Sleeper.Core.Schema;

namespace Sleeper.Core.Partitions;

/// <summary>Split points estimated from a sample, with what is needed to say how they came out.</summary>
/// <param name="Field">The row key the points are of (the first).</param>
/// <param name="Points">Strictly increasing, none at or below the smallest key sampled.</param>
/// <param name="RequestedPartitions">How many partitions were asked for.</param>
/// <param name="RowsSampled">How many rows the sketch saw.</param>
public sealed record SplitPointEstimate(Field Field, IReadOnlyList<object> Points, int RequestedPartitions, long RowsSampled)
{
    /// <summary>The partitions the points make: fewer than requested when the sample's keys repeat too much.</summary>
    public int Partitions => Points.Count + 1;

    public bool IsShort => Partitions < RequestedPartitions;

    /// <summary>Why there are fewer partitions than asked for, or null when there are as many.</summary>
    public string? ShortfallReason => IsShort
        ? $"Only {Points.Count} split point(s), for {Partitions} partition(s) rather than {RequestedPartitions}: the {RowsSampled:N0} sampled rows " +
          $"have too few distinct values of row key '{Field.Name}' (or values repeated too often) to cut into {RequestedPartitions} parts."
        : null;
}
