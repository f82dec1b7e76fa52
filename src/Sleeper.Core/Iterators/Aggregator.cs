using System.Text.RegularExpressions;
using Apache.Arrow;
using Sleeper.Core.Batches;
using Sleeper.Core.Keys;
using Sleeper.Core.Properties;
using Sleeper.Core.Schema;

namespace Sleeper.Core.Iterators;

/// <summary>
/// Combines rows that have equal row keys and sort keys into one, by an operation per value field, as Sleeper's
/// <c>sleeper.table.aggregations</c> does (e.g. <c>sum(count),max(last_seen)</c>). As in Sleeper, every value
/// field must have exactly one operation; sum, min and max take int or long fields, and map_sum, map_min and
/// map_max take maps with int or long values, combining the values under each map key. Sums wrap on overflow,
/// as Java's do. Nulls are skipped: a field is null only when it is null in every combined row. On a table with
/// a visibility field, rows are combined only when their labels are equal too.
/// </summary>
public sealed partial class Aggregator : ISortedBatchIterator
{
    private readonly TableSchema _schema;
    private readonly (int Column, FieldAggregation Aggregation)[] _values;
    private readonly int _visibilityColumn = -1;

    /// <param name="visibilityField">
    /// The table's visibility field (<c>sleeper.table.visibility.field</c>), if any. Rows are grouped by it as by
    /// the keys, so rows of equal keys but different labels stay apart: combining them would give a row that shows
    /// the values of one label to those who may only see the other. It takes no aggregation.
    /// </param>
    public Aggregator(TableSchema schema, IReadOnlyList<FieldAggregation> aggregations, string? visibilityField = null)
    {
        _schema = schema;
        Aggregations = aggregations;
        VisibilityField = visibilityField;
        _values = Validate(schema, aggregations, visibilityField);
        if (visibilityField is not null)
        {
            _visibilityColumn = schema.IndexOf(visibilityField);
        }
    }

    public IReadOnlyList<FieldAggregation> Aggregations { get; }

    /// <summary>The field rows are grouped by besides their keys, or null.</summary>
    public string? VisibilityField { get; }

    /// <summary>The aggregator a <c>sleeper.table.aggregations</c> value configures, or null if it is empty.</summary>
    /// <param name="visibilityField">The table's visibility field, if any, which groups rows and takes no aggregation.</param>
    public static Aggregator? Parse(string? value, TableSchema schema, string? visibilityField = null)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }
        var aggregations = new List<FieldAggregation>();
        foreach (var part in value.Split(',', StringSplitOptions.TrimEntries))
        {
            var match = AggregationPattern().Match(part);
            if (!match.Success)
            {
                throw new PropertyException($"Property {TableProperty.Aggregations.Name}: cannot parse '{part}' in '{value}'; expected op(field), e.g. sum(count), with op one of sum, min, max, map_sum, map_min, map_max.");
            }
            AggregationOperation? operation = match.Groups["op"].Value.ToLowerInvariant() switch
            {
                "sum" => AggregationOperation.Sum,
                "min" => AggregationOperation.Min,
                "max" => AggregationOperation.Max,
                "map_sum" => AggregationOperation.MapSum,
                "map_min" => AggregationOperation.MapMin,
                "map_max" => AggregationOperation.MapMax,
                _ => null,
            };
            if (operation is null)
            {
                throw new PropertyException($"Property {TableProperty.Aggregations.Name}: '{match.Groups["op"].Value}' in '{part}' is not an aggregation; use sum, min, max, map_sum, map_min or map_max.");
            }
            aggregations.Add(new FieldAggregation(match.Groups["field"].Value, operation.Value));
        }
        return new Aggregator(schema, aggregations, visibilityField);
    }

    public IEnumerable<RecordBatch> Apply(IEnumerable<RecordBatch> sortedBatches)
    {
        // The last group of a batch may go on in the next one, so it is held back, already combined into one row.
        RecordBatch? pending = null;
        foreach (var batch in sortedBatches)
        {
            if (batch.Length == 0)
            {
                batch.Dispose();
                continue;
            }
            RecordBatch combined;
            if (pending is null)
            {
                combined = batch;
            }
            else
            {
                combined = BatchGather.Gather(batch.Schema, [new BatchRun(pending, 0, pending.Length), new BatchRun(batch, 0, batch.Length)], batch.Length + pending.Length);
                pending.Dispose();
                batch.Dispose();
            }
            if (_visibilityColumn >= 0 && LabelsTogether(combined) is { } order)
            {
                var reordered = BatchTake.Take(combined, order);
                combined.Dispose();
                combined = reordered;
            }
            using (combined)
            {
                var (starts, lastKeyGroup) = GroupStarts(combined);
                if (lastKeyGroup > 0)
                {
                    yield return Combine(combined, starts, lastKeyGroup, starts[lastKeyGroup]);
                }
                // Every label's row of the last keys is held back: any of them may go on in the next batch.
                pending = Combine(combined, starts.GetRange(lastKeyGroup, starts.Count - lastKeyGroup), starts.Count - lastKeyGroup, combined.Length);
            }
        }
        if (pending is not null)
        {
            yield return pending;
        }
    }

    /// <summary>
    /// Where each group starts (a group is a run of equal keys and, with a visibility field, an equal label), and
    /// the index of the first group of the batch's last keys.
    /// </summary>
    private (List<int> Starts, int LastKeyGroup) GroupStarts(RecordBatch batch)
    {
        var comparer = BatchKeyComparer.Within(batch, _schema);
        var labels = _visibilityColumn >= 0 ? (StringArray)batch.Column(_visibilityColumn) : null;
        var starts = new List<int> { 0 };
        var lastKeyGroup = 0;
        for (var row = 1; row < batch.Length; row++)
        {
            if (comparer.Compare(row - 1, row) != 0)
            {
                lastKeyGroup = starts.Count;
                starts.Add(row);
            }
            else if (labels is not null && !SameLabel(labels, row - 1, row))
            {
                starts.Add(row);
            }
        }
        return (starts, lastKeyGroup);
    }

    /// <summary>
    /// An order of the batch's rows in which the rows of equal keys and equal label are next to each other (labels in
    /// the order they first appear under those keys), or null when they already are. Rows with equal keys keep their
    /// place in key order, so the batch stays sorted.
    /// </summary>
    private int[]? LabelsTogether(RecordBatch batch)
    {
        var comparer = BatchKeyComparer.Within(batch, _schema);
        var labels = (StringArray)batch.Column(_visibilityColumn);
        int[]? order = null;
        var start = 0;
        for (var row = 1; row <= batch.Length; row++)
        {
            if (row < batch.Length && comparer.Compare(row - 1, row) == 0)
            {
                continue;
            }
            // Rows start..row-1 have equal keys.
            if (row - start > 2 && !LabelsContiguous(labels, start, row))
            {
                order ??= Enumerable.Range(0, batch.Length).ToArray();
                var firstSeen = new Dictionary<string, int>(StringComparer.Ordinal);
                var nullRank = -1;
                int Rank(int r)
                {
                    if (labels.IsNull(r))
                    {
                        return nullRank < 0 ? nullRank = firstSeen.Count + 1_000_000_000 : nullRank;
                    }
                    var label = labels.GetString(r);
                    if (!firstSeen.TryGetValue(label, out var rank))
                    {
                        firstSeen[label] = rank = firstSeen.Count;
                    }
                    return rank;
                }
                var ranked = Enumerable.Range(start, row - start).Select(r => (Row: r, Rank: Rank(r))).ToList();
                // OrderBy is stable, so rows of one label keep their order.
                var sorted = ranked.OrderBy(x => x.Rank).Select(x => x.Row).ToArray();
                sorted.CopyTo(order, start);
            }
            start = row;
        }
        return order;
    }

    /// <summary>Whether each label of rows start..end-1 appears in one run.</summary>
    private static bool LabelsContiguous(StringArray labels, int start, int end)
    {
        var seen = new HashSet<string?>(StringComparer.Ordinal);
        for (var row = start; row < end; row++)
        {
            var label = labels.IsNull(row) ? null : labels.GetString(row);
            if (row > start && SameLabel(labels, row - 1, row))
            {
                continue;
            }
            if (!seen.Add(label))
            {
                return false;
            }
        }
        return true;
    }

    private static bool SameLabel(StringArray labels, int a, int b) =>
        labels.IsNull(a) ? labels.IsNull(b) : !labels.IsNull(b) && labels.GetBytes(a).SequenceEqual(labels.GetBytes(b));

    /// <summary>One row per group: the first <paramref name="groups"/> of <paramref name="starts"/>, the last ending at <paramref name="end"/>.</summary>
    private RecordBatch Combine(RecordBatch batch, List<int> starts, int groups, int end)
    {
        var firstRows = starts.GetRange(0, groups).ToArray();
        // Built batches hold managed memory, so the arrays taken here can be handed on without disposal rules.
        var firsts = BatchTake.Take(batch, firstRows);
        var arrays = new IArrowArray[batch.ColumnCount];
        for (var c = 0; c < arrays.Length; c++)
        {
            arrays[c] = firsts.Column(c);
        }
        foreach (var (column, aggregation) in _values)
        {
            var source = batch.Column(column);
            arrays[column] = aggregation.Operation switch
            {
                AggregationOperation.Sum or AggregationOperation.Min or AggregationOperation.Max => source switch
                {
                    Int64Array longs => CombineNumbers(longs, new Int64Array.Builder(), starts, groups, end, aggregation.Operation),
                    Int32Array ints => CombineNumbers(ints, new Int32Array.Builder(), starts, groups, end, aggregation.Operation),
                    _ => throw new InvalidOperationException($"Field '{aggregation.FieldName}' is not a number."),
                },
                _ => CombineMaps(batch.Schema.GetFieldByIndex(column), (MapArray)source, starts, groups, end, aggregation),
            };
        }
        return new RecordBatch(batch.Schema, arrays, groups);
    }

    private static TArray CombineNumbers<T, TArray, TBuilder>(PrimitiveArray<T> source, PrimitiveArrayBuilder<T, TArray, TBuilder> builder,
        List<int> starts, int groups, int end,
        AggregationOperation operation)
        where T : struct, System.Numerics.IBinaryInteger<T>
        where TArray : IArrowArray
        where TBuilder : class, IArrowArrayBuilder<TArray>
    {
        builder.Reserve(groups);
        var values = source.Values;
        for (var g = 0; g < groups; g++)
        {
            var groupEnd = g + 1 < groups ? starts[g + 1] : end;
            long result = 0;
            var any = false;
            for (var row = starts[g]; row < groupEnd; row++)
            {
                if (source.IsNull(row))
                {
                    continue;
                }
                var value = long.CreateTruncating(values[row]);
                result = any ? Fold(result, value, operation) : value;
                any = true;
            }
            if (any)
            {
                // An int sum is cut back to int here: wrapping once at the end equals wrapping at every step.
                builder.Append(T.CreateTruncating(result));
            }
            else
            {
                builder.AppendNull();
            }
        }
        return builder.Build();
    }

    // Sums are unchecked: int sums are folded in long and cut back to int, which wraps like Java's int addition.
    private static long Fold(long a, long b, AggregationOperation operation) => operation switch
    {
        AggregationOperation.Sum or AggregationOperation.MapSum => unchecked(a + b),
        AggregationOperation.Min or AggregationOperation.MapMin => Math.Min(a, b),
        _ => Math.Max(a, b),
    };

    private static IArrowArray CombineMaps(Apache.Arrow.Field field, MapArray source, List<int> starts, int groups, int end, FieldAggregation aggregation)
    {
        var builder = new RecordBatchBuilder(new Apache.Arrow.Schema([field], null), groups);
        var isInt = ((Apache.Arrow.Types.MapType)field.DataType).ValueField.DataType is Apache.Arrow.Types.Int32Type;
        for (var g = 0; g < groups; g++)
        {
            var groupEnd = g + 1 < groups ? starts[g + 1] : end;
            Dictionary<object, object?>? result = null;
            for (var row = starts[g]; row < groupEnd; row++)
            {
                if (BatchRows.GetValue(source, row) is not Dictionary<object, object?> map)
                {
                    continue;
                }
                result ??= new Dictionary<object, object?>(KeyValueEqualityComparer.Instance);
                foreach (var (key, value) in map)
                {
                    if (value is null)
                    {
                        result.TryAdd(key, null);
                    }
                    else if (result.TryGetValue(key, out var existing) && existing is not null)
                    {
                        var folded = Fold(Convert.ToInt64(existing), Convert.ToInt64(value), aggregation.Operation);
                        result[key] = isInt ? (object)(int)folded : folded;
                    }
                    else
                    {
                        result[key] = value;
                    }
                }
            }
            if (result is null)
            {
                builder.AppendNull(0);
            }
            else
            {
                builder.AppendValue(0, new Dictionary<object, object?>(result));
            }
            builder.EndRow();
        }
        return builder.Build().Column(0);
    }

    private static (int, FieldAggregation)[] Validate(TableSchema schema, IReadOnlyList<FieldAggregation> aggregations, string? visibilityField)
    {
        var property = TableProperty.Aggregations.Name;
        var byField = new Dictionary<string, FieldAggregation>(StringComparer.Ordinal);
        foreach (var aggregation in aggregations)
        {
            var name = aggregation.FieldName;
            var index = schema.IndexOf(name);
            if (index < 0)
            {
                throw new PropertyException($"Property {property}: field '{name}' is not in the table's schema.");
            }
            if (index < schema.KeyFieldCount)
            {
                throw new PropertyException($"Property {property}: field '{name}' is a row key or sort key field; rows are grouped by those, so only value fields take an aggregation.");
            }
            if (name == visibilityField)
            {
                throw new PropertyException($"Property {property}: field '{name}' is the table's visibility field ({TableProperty.VisibilityField.Name}); rows are grouped by their labels, so it takes no aggregation.");
            }
            if (!byField.TryAdd(name, aggregation))
            {
                throw new PropertyException($"Property {property}: field '{name}' has more than one aggregation.");
            }
            var type = schema.AllFields[index].Type;
            var isMapOperation = aggregation.Operation is AggregationOperation.MapSum or AggregationOperation.MapMin or AggregationOperation.MapMax;
            var fits = isMapOperation
                ? type is MapType { ValueType: IntType or LongType }
                : type is IntType or LongType;
            if (!fits)
            {
                var wanted = isMapOperation ? "a map with IntType or LongType values" : "IntType or LongType";
                throw new PropertyException($"Property {property}: {OperationName(aggregation.Operation)}({name}) needs {wanted}, but field '{name}' is {type.Name}.");
            }
        }
        var missing = schema.ValueFields.Where(f => !byField.ContainsKey(f.Name) && f.Name != visibilityField).Select(f => $"'{f.Name}'").ToList();
        if (missing.Count > 0)
        {
            throw new PropertyException($"Property {property}: every value field needs an aggregation, but {string.Join(", ", missing)} {(missing.Count == 1 ? "has" : "have")} none.");
        }
        return aggregations.Select(a => (schema.IndexOf(a.FieldName), a)).ToArray();
    }

    private static string OperationName(AggregationOperation operation) => operation switch
    {
        AggregationOperation.MapSum => "map_sum",
        AggregationOperation.MapMin => "map_min",
        AggregationOperation.MapMax => "map_max",
        _ => operation.ToString().ToLowerInvariant(),
    };

    [GeneratedRegex(@"^(?<op>\w+)\s*\(\s*(?<field>[^()\s]+)\s*\)$")]
    private static partial Regex AggregationPattern();
}
