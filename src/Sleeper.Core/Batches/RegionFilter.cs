using System.Text;
using Apache.Arrow;
using Sleeper.Core.Keys;
using Sleeper.Core.Schema;

namespace Sleeper.Core.Batches;

/// <summary>
/// Finds the rows of a batch sorted by key whose row keys lie inside every one of some regions: a binary
/// search cuts the range of the first row key, then the other row keys are checked row by row.
/// </summary>
public static class RegionFilter
{
    /// <summary>Indices of the matching rows, in order, for <see cref="BatchTake.Take"/>.</summary>
    public static int[] Select(RecordBatch sortedBatch, TableSchema schema, params Region[] regions)
    {
        var (start, end) = FirstKeyBounds(sortedBatch, regions);
        var checks = OtherDimensionChecks(sortedBatch, schema, regions);
        if (checks.Count == 0)
        {
            return Enumerable.Range(start, end - start).ToArray();
        }
        var selected = new List<int>();
        for (var row = start; row < end; row++)
        {
            if (checks.TrueForAll(check => check.Contains(row)))
            {
                selected.Add(row);
            }
        }
        return [.. selected];
    }

    /// <summary>The matching rows as a batch: a zero-copy slice when they are contiguous, else a copy.</summary>
    public static RecordBatch Filter(RecordBatch sortedBatch, TableSchema schema, params Region[] regions)
    {
        if (OtherDimensionChecks(sortedBatch, schema, regions).Count == 0)
        {
            var (start, end) = FirstKeyBounds(sortedBatch, regions);
            return sortedBatch.Slice(start, end - start);
        }
        return BatchTake.Take(sortedBatch, Select(sortedBatch, schema, regions));
    }

    /// <summary>The rows [Start, End) whose first row key lies in the first range of every region.</summary>
    public static (int Start, int End) FirstKeyBounds(RecordBatch sortedBatch, params Region[] regions)
    {
        var column = sortedBatch.Column(0);
        int start = 0, end = sortedBatch.Length;
        foreach (var region in regions)
        {
            var range = region[0];
            var probe = Probe(range.Min);
            start = Math.Max(start, range.MinInclusive ? KeySearch.LowerBound(column, probe) : KeySearch.UpperBound(column, probe));
            if (range.Max is not null)
            {
                probe = Probe(range.Max);
                end = Math.Min(end, range.MaxInclusive ? KeySearch.UpperBound(column, probe) : KeySearch.LowerBound(column, probe));
            }
        }
        return (start, Math.Max(start, end));
    }

    // Strings are searched and compared as UTF-8, so encode each bound once.
    private static object Probe(object value) => value is string s ? Encoding.UTF8.GetBytes(s) : value;

    private static List<RangeCheck> OtherDimensionChecks(RecordBatch batch, TableSchema schema, Region[] regions)
    {
        var checks = new List<RangeCheck>();
        foreach (var region in regions)
        {
            if (region.Ranges.Count != schema.RowKeyFields.Count)
            {
                throw new ArgumentException($"A region has {region.Ranges.Count} ranges but the schema has {schema.RowKeyFields.Count} row keys.", nameof(regions));
            }
            for (var d = 1; d < region.Ranges.Count; d++)
            {
                var range = region[d];
                var unbounded = range.MinInclusive && range.Max is null
                    && KeyValues.Compare(range.Field.PrimitiveType, range.Min, KeyValues.MinimumOf(range.Field.PrimitiveType)) == 0;
                if (!unbounded)
                {
                    checks.Add(new RangeCheck(batch.Column(d), range));
                }
            }
        }
        return checks;
    }

    /// <summary>Whether a row's value of one row-key column lies in a range, on the typed column.</summary>
    private sealed class RangeCheck
    {
        private readonly Int32Array? _ints;
        private readonly Int64Array? _longs;
        private readonly BinaryArray? _bytes;
        private readonly long _minLong;
        private readonly long _maxLong;
        private readonly byte[]? _minBytes;
        private readonly byte[]? _maxBytes;
        private readonly bool _minInclusive;
        private readonly bool _maxInclusive;
        private readonly bool _hasMax;

        public RangeCheck(IArrowArray column, KeyRange range)
        {
            _minInclusive = range.MinInclusive;
            _maxInclusive = range.MaxInclusive;
            _hasMax = range.Max is not null;
            switch (column)
            {
                case Int32Array ints:
                    _ints = ints;
                    _minLong = (int)range.Min;
                    _maxLong = range.Max is null ? 0 : (int)range.Max;
                    break;
                case Int64Array longs:
                    _longs = longs;
                    _minLong = (long)range.Min;
                    _maxLong = range.Max is null ? 0 : (long)range.Max;
                    break;
                case BinaryArray bytes:
                    _bytes = bytes;
                    _minBytes = (byte[])Probe(range.Min);
                    _maxBytes = range.Max is null ? null : (byte[])Probe(range.Max);
                    break;
                default:
                    throw new NotSupportedException($"A row key column cannot have Arrow type {column.Data.DataType.Name}.");
            }
        }

        public bool Contains(int row)
        {
            int belowMin, belowMax;
            if (_bytes is not null)
            {
                var value = KeyColumn.Bytes(_bytes, row);
                belowMin = value.SequenceCompareTo(_minBytes);
                belowMax = _hasMax ? value.SequenceCompareTo(_maxBytes) : -1;
            }
            else
            {
                long value = _ints is not null ? _ints.Values[row] : _longs!.Values[row];
                belowMin = value.CompareTo(_minLong);
                belowMax = _hasMax ? value.CompareTo(_maxLong) : -1;
            }
            return (belowMin > 0 || (belowMin == 0 && _minInclusive))
                && (belowMax < 0 || (belowMax == 0 && _maxInclusive));
        }
    }
}
