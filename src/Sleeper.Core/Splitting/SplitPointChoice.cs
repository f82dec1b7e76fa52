using Sleeper.Core.Keys;
using Sleeper.Core.Schema;

namespace Sleeper.Core.Splitting;

/// <summary>How a split value was chosen.</summary>
public enum SplitRule
{
    /// <summary>No split: every row sketched has the same key.</summary>
    None,

    /// <summary>Sleeper's rule: the median of the field, which lies strictly between its minimum and maximum.</summary>
    Median,

    /// <summary>Half or more of the rows share the field's minimum: split just above it, at the next value sketched.</summary>
    AboveHeavyMinimum,

    /// <summary>Half or more of the rows share the field's maximum: split at it, so the right child holds only that value.</summary>
    AtHeavyMaximum,
}

/// <summary>The minimum, median and maximum of one row-key field over the rows sketched.</summary>
public sealed record DimensionQuantiles(int Dimension, Field Field, object Min, object Median, object Max)
{
    public bool HasOneValue => KeyValues.Compare(Field.PrimitiveType, Min, Max) == 0;

    public override string ToString() =>
        $"{Field.Name}: min {KeyValues.Format(Min)}, median {KeyValues.Format(Median)}, max {KeyValues.Format(Max)}";
}

/// <summary>Where a partition splits (a row-key dimension and a value), or why it cannot, with the quantiles behind the choice.</summary>
public sealed record SplitPointChoice(int? Dimension, object? Value, SplitRule Rule, IReadOnlyList<DimensionQuantiles> Quantiles, string? Reason)
{
    public bool CanSplit => Dimension is not null;
}
