using System.Buffers.Binary;
using Apache.Arrow;

namespace Sleeper.Core.Batches;

/// <summary>
/// Order-preserving 64-bit prefixes of a key column's values: if prefix(a) &lt; prefix(b) then a &lt; b, so a
/// merge compares two numbers and looks at the whole keys only when the prefixes are equal. Integers map
/// exactly; strings and byte arrays give their first 8 bytes, big-endian, padded with zeros.
/// </summary>
internal static class KeyPrefixes
{
    /// <summary>Fills <paramref name="prefixes"/> (at least as long as the column) for every row of the column.</summary>
    public static void Compute(IArrowArray column, Span<ulong> prefixes)
    {
        switch (column)
        {
            case Int32Array ints:
            {
                var values = ints.Values;
                for (var i = 0; i < values.Length; i++)
                {
                    prefixes[i] = (uint)(values[i] ^ int.MinValue);
                }
                break;
            }
            case Int64Array longs:
            {
                var values = longs.Values;
                for (var i = 0; i < values.Length; i++)
                {
                    prefixes[i] = (ulong)(values[i] ^ long.MinValue);
                }
                break;
            }
            case BinaryArray bytes:
            {
                var offsets = bytes.ValueOffsets;
                var data = bytes.Values;
                Span<byte> padded = stackalloc byte[8];
                for (var i = 0; i < bytes.Length; i++)
                {
                    var start = offsets[i];
                    var length = offsets[i + 1] - start;
                    if (length >= 8)
                    {
                        prefixes[i] = BinaryPrimitives.ReadUInt64BigEndian(data.Slice(start, 8));
                    }
                    else
                    {
                        padded.Clear();
                        data.Slice(start, length).CopyTo(padded);
                        prefixes[i] = BinaryPrimitives.ReadUInt64BigEndian(padded);
                    }
                }
                break;
            }
            default:
                throw new NotSupportedException($"A key column cannot have Arrow type {column.Data.DataType.Name}.");
        }
    }
}
