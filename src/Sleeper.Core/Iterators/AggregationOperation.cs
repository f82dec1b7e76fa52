namespace Sleeper.Core.Iterators;

/// <summary>How the values of one field are combined across rows with equal keys.</summary>
public enum AggregationOperation
{
    Sum,
    Min,
    Max,

    /// <summary>Sum of the values under each map key.</summary>
    MapSum,
    MapMin,
    MapMax,
}

/// <summary>One field's aggregation, as in <c>sum(count)</c>.</summary>
public sealed record FieldAggregation(string FieldName, AggregationOperation Operation);
