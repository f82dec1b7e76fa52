using System.Globalization;
using System.Text.RegularExpressions;
using Apache.Arrow;
using Sleeper.Core.Batches;
using Sleeper.Core.Properties;
using Sleeper.Core.Schema;

namespace Sleeper.Core.Iterators;

/// <summary>
/// Drops rows whose long field (milliseconds since the epoch) is older than a maximum age: a row is kept while
/// now − value &lt; maximum age, as in Sleeper. Nulls in a nullable field are kept, as they have no age.
/// Configured by <c>sleeper.table.filters</c> = <c>ageOff(field,milliseconds)</c>.
/// </summary>
public sealed partial class AgeOffFilter : ISortedBatchIterator
{
    private readonly int _column;
    private readonly TimeProvider _time;

    public AgeOffFilter(TableSchema schema, string fieldName, long maxAgeMillis, TimeProvider? time = null)
    {
        var field = schema.IndexOf(fieldName) < 0 ? null : schema.GetField(fieldName);
        if (field is null)
        {
            throw new PropertyException($"Property {TableProperty.Filters.Name}: ageOff names field '{fieldName}', which the table's schema does not have.");
        }
        if (field.Type is not LongType)
        {
            throw new PropertyException($"Property {TableProperty.Filters.Name}: ageOff field '{fieldName}' is {field.Type.Name}; it must be LongType (milliseconds since the epoch).");
        }
        if (maxAgeMillis <= 0)
        {
            throw new PropertyException($"Property {TableProperty.Filters.Name}: ageOff maximum age {maxAgeMillis} for field '{fieldName}' must be a positive number of milliseconds.");
        }
        FieldName = fieldName;
        MaxAgeMillis = maxAgeMillis;
        _column = schema.IndexOf(fieldName);
        _time = time ?? TimeProvider.System;
    }

    public string FieldName { get; }

    public long MaxAgeMillis { get; }

    /// <summary>
    /// The filters of a <c>sleeper.table.filters</c> value: comma-separated <c>ageOff(field,milliseconds)</c>
    /// (the name is not case sensitive). Empty or null means none.
    /// </summary>
    public static IReadOnlyList<AgeOffFilter> Parse(string? value, TableSchema schema, TimeProvider? time = null)
    {
        var filters = new List<AgeOffFilter>();
        if (string.IsNullOrWhiteSpace(value))
        {
            return filters;
        }
        var position = 0;
        foreach (Match match in FilterPattern().Matches(value))
        {
            if (!string.IsNullOrWhiteSpace(value[position..match.Index]))
            {
                throw Malformed(value, value[position..match.Index]);
            }
            position = match.Index + match.Length;
            if (!match.Groups["name"].Value.Equals("ageOff", StringComparison.OrdinalIgnoreCase))
            {
                throw new PropertyException($"Property {TableProperty.Filters.Name}: '{match.Groups["name"].Value}' is not a known filter; the only filter is ageOff(field,milliseconds).");
            }
            var arguments = match.Groups["args"].Value.Split(',', StringSplitOptions.TrimEntries);
            if (arguments.Length != 2 || arguments[0].Length == 0
                || !long.TryParse(arguments[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var maxAge))
            {
                throw new PropertyException($"Property {TableProperty.Filters.Name}: '{match.Value.Trim()}' should be ageOff(field,milliseconds), e.g. ageOff(timestamp,86400000).");
            }
            filters.Add(new AgeOffFilter(schema, arguments[0], maxAge, time));
        }
        if (!string.IsNullOrWhiteSpace(value[position..]))
        {
            throw Malformed(value, value[position..]);
        }
        return filters;
    }

    public IEnumerable<RecordBatch> Apply(IEnumerable<RecordBatch> sortedBatches)
    {
        foreach (var batch in sortedBatches)
        {
            // Read the clock once per batch: rows of one batch are judged at one instant.
            var oldestKept = _time.GetUtcNow().ToUnixTimeMilliseconds() - MaxAgeMillis;
            var keep = Select(batch, oldestKept);
            if (keep is null)
            {
                yield return batch;
                continue;
            }
            using (batch)
            {
                if (keep.Length > 0)
                {
                    yield return BatchTake.Take(batch, keep);
                }
            }
        }
    }

    /// <summary>The rows to keep, or null when that is all of them.</summary>
    private int[]? Select(RecordBatch batch, long oldestKept)
    {
        var column = (Int64Array)batch.Column(_column);
        var values = column.Values;
        var hasNulls = column.NullCount > 0;
        var keep = new List<int>();
        for (var row = 0; row < values.Length; row++)
        {
            // now - value < maxAge  ⇔  value > now - maxAge, without overflow for extreme values.
            if (values[row] > oldestKept || (hasNulls && column.IsNull(row)))
            {
                keep.Add(row);
            }
        }
        return keep.Count == batch.Length ? null : [.. keep];
    }

    private static PropertyException Malformed(string value, string part) =>
        new($"Property {TableProperty.Filters.Name}: cannot parse '{part.Trim().Trim(',')}' in '{value}'; expected ageOff(field,milliseconds).");

    [GeneratedRegex(@"\s*,?\s*(?<name>\w+)\s*\((?<args>[^)]*)\)\s*")]
    private static partial Regex FilterPattern();
}
