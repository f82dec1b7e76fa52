using Sleeper.Core.Keys;
using Sleeper.Core.Sketches;

namespace Sleeper.Core.Partitions;

/// <summary>
/// Chooses split points that cut the first row key into parts of about equal row count, from a quantiles sketch
/// of sample data: the keys at ranks 1/N, 2/N, … (N-1)/N. Used to pre-split a table before a large ingest or bulk
/// import, so the work spreads over many partitions from the start.
/// </summary>
public static class SplitPointEstimator
{
    /// <summary>Estimates from the sketch of the first row-key field.</summary>
    public static SplitPointEstimate Estimate(RowKeySketches sketches, int partitions) => Estimate(sketches.Fields[0], partitions);

    /// <param name="partitions">How many partitions the points should make: at least 2.</param>
    /// <exception cref="SleeperException">The sketch has seen no rows.</exception>
    public static SplitPointEstimate Estimate(KeyFieldSketch sketch, int partitions)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(partitions, 2);
        if (sketch.N == 0)
        {
            throw new SleeperException($"There are no rows to estimate split points of row key '{sketch.Field.Name}' from.");
        }
        var type = sketch.Type;
        var min = sketch.MinValue;
        var points = new List<object>(partitions - 1);
        for (var i = 1; i < partitions; i++)
        {
            var point = sketch.GetQuantile((double)i / partitions);
            // A point at the smallest key sampled would leave the first partition without a sampled row (and at the
            // type's minimum, empty for good); one not above the previous point repeats it. Keys repeated across
            // several quantiles therefore give fewer points rather than duplicates.
            if (KeyValues.Compare(type, point, min) <= 0 || (points.Count > 0 && KeyValues.Compare(type, point, points[^1]) <= 0))
            {
                continue;
            }
            points.Add(point);
        }
        return new SplitPointEstimate(sketch.Field, points, partitions, sketch.N);
    }
}
