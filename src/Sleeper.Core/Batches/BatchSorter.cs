using System.Buffers.Binary;
using Apache.Arrow;
using Sleeper.Core.Schema;

namespace Sleeper.Core.Batches;

/// <summary>Finds the order that sorts a batch by its key columns (row keys, then sort keys).</summary>
public static class BatchSorter
{
    /// <summary>
    /// A permutation of row indices in key order, to pass to <see cref="BatchTake.Take"/>. Rows with equal
    /// keys may come in any order.
    /// </summary>
    public static int[] SortPermutation(RecordBatch batch, TableSchema schema)
    {
        var count = batch.Length;
        var permutation = new int[count];
        for (var i = 0; i < count; i++)
        {
            permutation[i] = i;
        }
        if (count < 2)
        {
            return permutation;
        }

        // Most of the work is a sort of 8-byte prefixes of the first key, which are primitive and cheap to
        // compare (a radix sort); only rows whose prefixes tie go to the full comparison of all key columns.
        var prefixes = new ulong[count];
        var prefixIsWholeValue = FillPrefixes(batch.Column(0), prefixes);
        RadixSort.Sort(prefixes, permutation);

        var fromColumn = prefixIsWholeValue ? 1 : 0;
        var keyCount = schema.KeyFieldCount;
        if (fromColumn >= keyCount)
        {
            return permutation;
        }
        var comparer = new BatchKeyComparer(batch, batch, keyCount);
        var rowComparer = Comparer<int>.Create((x, y) => comparer.Compare(x, y, fromColumn));
        var start = 0;
        for (var i = 1; i <= count; i++)
        {
            if (i == count || prefixes[i] != prefixes[start])
            {
                if (i - start > 1)
                {
                    System.Array.Sort(permutation, start, i - start, rowComparer);
                }
                start = i;
            }
        }
        return permutation;
    }

    /// <summary>
    /// Fills order-preserving unsigned prefixes of a key column; returns whether a prefix holds the whole
    /// value, so that equal prefixes mean equal values.
    /// </summary>
    private static bool FillPrefixes(IArrowArray column, ulong[] prefixes)
    {
        switch (column)
        {
            case Int32Array ints:
            {
                var values = ints.Values;
                for (var i = 0; i < prefixes.Length; i++)
                {
                    prefixes[i] = (ulong)(uint)(values[i] ^ int.MinValue);
                }
                return true;
            }
            case Int64Array longs:
            {
                var values = longs.Values;
                for (var i = 0; i < prefixes.Length; i++)
                {
                    prefixes[i] = (ulong)(values[i] ^ long.MinValue);
                }
                return true;
            }
            case BinaryArray bytes:
            {
                var offsets = bytes.ValueOffsets;
                var values = bytes.Values;
                Span<byte> padded = stackalloc byte[sizeof(ulong)];
                for (var i = 0; i < prefixes.Length; i++)
                {
                    var start = offsets[i];
                    var length = offsets[i + 1] - start;
                    if (length >= sizeof(ulong))
                    {
                        prefixes[i] = BinaryPrimitives.ReadUInt64BigEndian(values.Slice(start, sizeof(ulong)));
                    }
                    else
                    {
                        // Zero padding ties "ab" with "ab\0"; the full comparison settles such ties.
                        padded.Clear();
                        values.Slice(start, length).CopyTo(padded);
                        prefixes[i] = BinaryPrimitives.ReadUInt64BigEndian(padded);
                    }
                }
                return false;
            }
            default:
                throw new NotSupportedException($"A key column cannot have Arrow type {column.Data.DataType.Name}.");
        }
    }
}
