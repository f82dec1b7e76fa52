using System.Buffers.Binary;
using System.Text;
using Apache.Arrow;
using Sleeper.Core.Keys;
using Sleeper.Core.Partitions;
using Sleeper.Core.Schema;

namespace Sleeper.BulkImport.Partitioning;

/// <summary>
/// Finds the leaf partition of every row of an unsorted batch when every split of the tree is on the first row
/// key (always so after a bulk import's own pre-split): the leaves are then intervals of that key, found by a
/// binary search over the boundaries comparing 64-bit prefixes, and whole keys only when prefixes tie. For
/// other trees it defers to <see cref="PartitionLocator"/>, which walks the tree.
/// </summary>
public sealed class FirstKeyLocator
{
    private readonly PartitionLocator _general;
    private readonly int[]? _leafOfInterval;
    private readonly ulong[] _boundaryPrefixes = [];
    private readonly byte[][] _boundaryBytes = [];
    private readonly long[] _boundaryNumbers = [];

    // For each value of a key's first two bytes, the first boundary whose first two bytes are that or more:
    // a key's search is then only among the boundaries that share its first two bytes, usually none.
    private readonly int[] _boundariesBelowLead = [];

    public FirstKeyLocator(PartitionTree tree, TableSchema schema)
    {
        _general = new PartitionLocator(tree, schema);
        Leaves = _general.Leaves;
        if (!tree.All.All(p => p.IsLeaf || p.Dimension == 0))
        {
            return;
        }
        var type = schema.RowKeyTypes[0];
        var intervals = Leaves.Select((leaf, index) => (Index: index, Min: leaf.Region[0].Min))
            .OrderBy(x => x.Min, Comparer<object>.Create((a, b) => KeyValues.Compare(type, a, b))).ToList();
        _leafOfInterval = intervals.Select(x => x.Index).ToArray();
        // The boundary between interval i and i+1 is the min of interval i+1.
        var boundaries = intervals.Skip(1).Select(x => x.Min).ToList();
        switch (type)
        {
            case IntType:
                _boundaryNumbers = boundaries.Select(b => (long)(int)b).ToArray();
                break;
            case LongType:
                _boundaryNumbers = boundaries.Select(b => (long)b).ToArray();
                break;
            default:
                _boundaryBytes = boundaries.Select(b => b is string s ? Encoding.UTF8.GetBytes(s) : (byte[])b).ToArray();
                _boundaryPrefixes = _boundaryBytes.Select(b => Prefix(b)).ToArray();
                _boundariesBelowLead = new int[LeadValues + 1];
                var below = 0;
                for (var lead = 0; lead <= LeadValues; lead++)
                {
                    while (below < _boundaryPrefixes.Length && Lead(_boundaryPrefixes[below]) < lead)
                    {
                        below++;
                    }
                    _boundariesBelowLead[lead] = below;
                }
                break;
        }
    }

    /// <summary>The leaves, in the order whose indexes <see cref="Locate"/> returns (the same as <see cref="PartitionLocator"/>'s).</summary>
    public IReadOnlyList<Partition> Leaves { get; }

    /// <summary>For each row of the batch (row-key columns first, in schema order), the index of its leaf.</summary>
    public int[] Locate(RecordBatch batch)
    {
        if (_leafOfInterval is null)
        {
            return _general.Locate(batch);
        }
        var result = new int[batch.Length];
        if (_leafOfInterval.Length == 1)
        {
            return result;
        }
        switch (batch.Column(0))
        {
            case Int32Array ints:
            {
                var values = ints.Values;
                for (var row = 0; row < result.Length; row++)
                {
                    result[row] = _leafOfInterval[UpperBound(values[row])];
                }
                break;
            }
            case Int64Array longs:
            {
                var values = longs.Values;
                for (var row = 0; row < result.Length; row++)
                {
                    result[row] = _leafOfInterval[UpperBound(values[row])];
                }
                break;
            }
            case BinaryArray bytes:
            {
                var offsets = bytes.ValueOffsets;
                var data = bytes.Values;
                for (var row = 0; row < result.Length; row++)
                {
                    var key = data.Slice(offsets[row], offsets[row + 1] - offsets[row]);
                    result[row] = _leafOfInterval[UpperBound(key, Prefix(key))];
                }
                break;
            }
            default:
                throw new NotSupportedException($"A row key column cannot have Arrow type {batch.Column(0).Data.DataType.Name}.");
        }
        return result;
    }

    /// <summary>How many boundaries are at or below the value: the index of its interval.</summary>
    private int UpperBound(long value)
    {
        int lo = 0, hi = _boundaryNumbers.Length;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (_boundaryNumbers[mid] <= value)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }
        return lo;
    }

    private int UpperBound(ReadOnlySpan<byte> key, ulong prefix)
    {
        // Boundaries with smaller first two bytes are below the key and those with larger ones above it.
        var lead = Lead(prefix);
        int lo = _boundariesBelowLead[lead], hi = _boundariesBelowLead[lead + 1];
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            var boundary = _boundaryPrefixes[mid];
            var atOrBelow = boundary < prefix || (boundary == prefix && _boundaryBytes[mid].AsSpan().SequenceCompareTo(key) <= 0);
            if (atOrBelow)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }
        return lo;
    }

    private const int LeadValues = 1 << 16;

    private static int Lead(ulong prefix) => (int)(prefix >> 48);

    /// <summary>The first 8 bytes, big-endian, zero-padded: a smaller prefix means a smaller key.</summary>
    private static ulong Prefix(ReadOnlySpan<byte> key)
    {
        if (key.Length >= sizeof(ulong))
        {
            return BinaryPrimitives.ReadUInt64BigEndian(key);
        }
        Span<byte> padded = stackalloc byte[sizeof(ulong)];
        padded.Clear();
        key.CopyTo(padded);
        return BinaryPrimitives.ReadUInt64BigEndian(padded);
    }
}
