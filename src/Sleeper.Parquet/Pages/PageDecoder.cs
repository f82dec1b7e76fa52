using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace Sleeper.Parquet.Pages;

/// <summary>
/// One data page, decompressed: which rows are set, and the plain-encoded values, read in row order with a
/// <see cref="PageCursor"/> (no per-row arrays, so a lookup that reads a few rows of a page allocates little).
/// </summary>
internal sealed class DecodedPage
{
    public required int Rows { get; init; }

    /// <summary>Null when every row is set.</summary>
    public bool[]? Valid { get; init; }

    /// <summary>The decompressed page (possibly a pooled buffer longer than the page; see <see cref="Pooled"/>).</summary>
    public required byte[] Data { get; init; }

    /// <summary>Where the values start in <see cref="Data"/>, and where the page ends.</summary>
    public required int ValuesStart { get; init; }

    public required int End { get; init; }

    public required int PhysicalType { get; init; }

    /// <summary>Whether <see cref="Data"/> came from the shared pool (and goes back there when its reader is done).</summary>
    public bool Pooled { get; init; }

    /// <summary>
    /// Where each row's value starts (at its length prefix) for a page of byte arrays without nulls, once
    /// <see cref="WithOffsets"/> has worked them out: pages kept in the shared cache are searched often, by binary search.
    /// </summary>
    public int[]? Offsets { get; private init; }

    public long Cost => Data.Length + (Valid?.Length ?? 0) + (Offsets?.Length ?? 0) * 4L + 96;

    /// <summary>Whether a row's value can be found without walking the rows before it.</summary>
    public bool RandomAccess => Valid is null && (PhysicalType != ParquetCodes.ByteArray || Offsets is not null);

    /// <summary>The value of a row, for a page with <see cref="RandomAccess"/>.</summary>
    public ReadOnlySpan<byte> ValueAt(int row) => PhysicalType switch
    {
        ParquetCodes.Int32 => Data.AsSpan(ValuesStart + row * 4, 4),
        ParquetCodes.Int64 => Data.AsSpan(ValuesStart + row * 8, 8),
        _ => Data.AsSpan(Offsets![row] + 4, BinaryPrimitives.ReadInt32LittleEndian(Data.AsSpan(Offsets[row]))),
    };

    /// <summary>This page with its rows' offsets (byte arrays without nulls), for a page that will be searched many times.</summary>
    public DecodedPage WithOffsets()
    {
        if (PhysicalType != ParquetCodes.ByteArray || Valid is not null || Offsets is not null || Pooled)
        {
            return this;
        }
        var offsets = new int[Rows];
        var position = ValuesStart;
        for (var row = 0; row < Rows; row++)
        {
            offsets[row] = position;
            position += 4 + BinaryPrimitives.ReadInt32LittleEndian(Data.AsSpan(position));
        }
        return new DecodedPage { Rows = Rows, Valid = Valid, Data = Data, ValuesStart = ValuesStart, End = End, PhysicalType = PhysicalType, Pooled = Pooled, Offsets = offsets };
    }

    public bool IsSet(int row) => Valid is null || Valid[row];
}

/// <summary>A position in a <see cref="DecodedPage"/>: rows are visited in order.</summary>
internal struct PageCursor(DecodedPage page)
{
    private int _position = page.ValuesStart;

    public int Row { get; private set; }

    public readonly bool IsSet => page.IsSet(Row);

    /// <summary>The current row's value; only when it is set.</summary>
    public readonly ReadOnlySpan<byte> Value => page.PhysicalType switch
    {
        ParquetCodes.Int32 => page.Data.AsSpan(_position, 4),
        ParquetCodes.Int64 => page.Data.AsSpan(_position, 8),
        _ => page.Data.AsSpan(_position + 4, BinaryPrimitives.ReadInt32LittleEndian(page.Data.AsSpan(_position))),
    };

    public void Next()
    {
        if (page.IsSet(Row))
        {
            _position += page.PhysicalType switch
            {
                ParquetCodes.Int32 => 4,
                ParquetCodes.Int64 => 8,
                _ => 4 + BinaryPrimitives.ReadInt32LittleEndian(page.Data.AsSpan(_position)),
            };
        }
        Row++;
    }

    public void MoveTo(int row)
    {
        while (Row < row)
        {
            Next();
        }
    }
}

/// <summary>
/// Decodes a single data page of a flat, plain-encoded column (version 1 or 2, uncompressed, Snappy or Zstandard),
/// the only kind a point lookup reads this way; anything else returns null and the caller reads whole row groups.
/// </summary>
internal static partial class PageDecoder
{
    private const string Native = "ParquetSharpNative";

    /// <param name="page">The page as it is in the file: its Thrift header, then its body.</param>
    /// <param name="pool">Decompress into a buffer from the shared pool, to be returned when the page is done with.</param>
    public static DecodedPage? Decode(ReadOnlySpan<byte> page, int physicalType, int codec, int maxDefinition, bool pool)
    {
        var reader = new ThriftCompactReader(page);
        int pageType = -1, uncompressed = 0, compressed = 0;
        int numValues = 0, encoding = -1, numNulls = 0, defLength = 0, repLength = 0;
        bool v2 = false, isCompressed = true;
        while (true)
        {
            var (id, type) = reader.ReadFieldHeader();
            if (type == ThriftCompactReader.Stop)
            {
                break;
            }
            switch (id)
            {
                case 1: pageType = reader.ReadI32(); break;
                case 2: uncompressed = reader.ReadI32(); break;
                case 3: compressed = reader.ReadI32(); break;
                case 5 when type == ThriftCompactReader.Struct:
                {
                    var saved = reader.BeginStruct();
                    while (true)
                    {
                        var (hid, htype) = reader.ReadFieldHeader();
                        if (htype == ThriftCompactReader.Stop)
                        {
                            break;
                        }
                        switch (hid)
                        {
                            case 1: numValues = reader.ReadI32(); break;
                            case 2: encoding = reader.ReadI32(); break;
                            default: reader.Skip(htype); break;
                        }
                    }
                    reader.EndStruct(saved);
                    break;
                }
                case 8 when type == ThriftCompactReader.Struct:
                {
                    v2 = true;
                    var saved = reader.BeginStruct();
                    while (true)
                    {
                        var (hid, htype) = reader.ReadFieldHeader();
                        if (htype == ThriftCompactReader.Stop)
                        {
                            break;
                        }
                        switch (hid)
                        {
                            case 1: numValues = reader.ReadI32(); break;
                            case 2: numNulls = reader.ReadI32(); break;
                            case 4: encoding = reader.ReadI32(); break;
                            case 5: defLength = reader.ReadI32(); break;
                            case 6: repLength = reader.ReadI32(); break;
                            case 7: isCompressed = reader.ReadBoolField(); break;
                            default: reader.Skip(htype); break;
                        }
                    }
                    reader.EndStruct(saved);
                    break;
                }
                default: reader.Skip(type); break;
            }
        }
        // DATA_PAGE 0, DATA_PAGE_V2 3.
        if ((pageType != 0 && pageType != 3) || encoding != ParquetCodes.Plain || repLength != 0 || page.Length < reader.Position + compressed)
        {
            return null;
        }
        var body = page.Slice(reader.Position, compressed);
        byte[]? data;
        int position;
        int dataLength;
        var pooled = pool;
        bool[]? valid = null;
        if (v2)
        {
            if (maxDefinition > 0)
            {
                valid = DecodeDefinitions(body[..defLength], numValues);
            }
            var values = body[defLength..];
            var valuesLength = uncompressed - defLength;
            if (values.Length < 0 || valuesLength < 0)
            {
                return null;
            }
            data = isCompressed ? Decompress(values, valuesLength, codec, pool) : values.ToArray();
            pooled = pool && isCompressed;
            if (data is null || (!isCompressed && data.Length != valuesLength))
            {
                return null;
            }
            dataLength = valuesLength;
            position = 0;
        }
        else
        {
            data = Decompress(body, uncompressed, codec, pool);
            if (data is null)
            {
                return null;
            }
            dataLength = uncompressed;
            position = 0;
            if (maxDefinition > 0)
            {
                var length = BinaryPrimitives.ReadInt32LittleEndian(data);
                valid = DecodeDefinitions(data.AsSpan(4, length), numValues);
                position = 4 + length;
            }
        }
        if (valid is not null && valid.All(v => v))
        {
            valid = null;
        }
        // Check the values fit the page once, so cursors need not.
        var set = valid is null ? numValues : valid.Count(v => v);
        var end = position;
        for (var i = 0; i < set; i++)
        {
            if (end > dataLength - (physicalType == ParquetCodes.Int32 ? 4 : physicalType == ParquetCodes.Int64 ? 8 : 4))
            {
                return null;
            }
            end += physicalType switch
            {
                ParquetCodes.Int32 => 4,
                ParquetCodes.Int64 => 8,
                _ => 4 + BinaryPrimitives.ReadInt32LittleEndian(data.AsSpan(end)),
            };
        }
        if (end > dataLength)
        {
            return null;
        }
        _ = numNulls;
        return new DecodedPage { Rows = numValues, Valid = valid, Data = data, ValuesStart = position, End = end, PhysicalType = physicalType, Pooled = pooled };
    }

    /// <summary>Definition levels of a flat optional column (bit width 1) in the RLE / bit-packed hybrid encoding.</summary>
    private static bool[] DecodeDefinitions(ReadOnlySpan<byte> levels, int count)
    {
        var valid = new bool[count];
        var row = 0;
        var position = 0;
        while (row < count && position < levels.Length)
        {
            ulong header = 0;
            for (var shift = 0; ; shift += 7)
            {
                var b = levels[position++];
                header |= (ulong)(b & 0x7F) << shift;
                if ((b & 0x80) == 0)
                {
                    break;
                }
            }
            if ((header & 1) == 0)
            {
                // A run: the count, then the value in one byte (bit width 1).
                var run = (int)(header >> 1);
                var value = levels[position++] != 0;
                for (var i = 0; i < run && row < count; i++)
                {
                    valid[row++] = value;
                }
            }
            else
            {
                // Bit-packed groups of 8 values, one byte per group at bit width 1.
                var groups = (int)(header >> 1);
                for (var g = 0; g < groups; g++)
                {
                    var bits = levels[position++];
                    for (var i = 0; i < 8 && row < count; i++)
                    {
                        valid[row++] = ((bits >> i) & 1) != 0;
                    }
                }
            }
        }
        return valid;
    }

    private static unsafe byte[]? Decompress(ReadOnlySpan<byte> source, int length, int codec, bool pool)
    {
        var output = pool ? System.Buffers.ArrayPool<byte>.Shared.Rent(Math.Max(length, 1)) : new byte[length];
        var result = DecompressInto(source, length, codec, output);
        if (result is null && pool)
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(output);
        }
        return result;
    }

    private static unsafe byte[]? DecompressInto(ReadOnlySpan<byte> source, int length, int codec, byte[] output)
    {
        if (codec == ParquetCodes.Uncompressed)
        {
            if (source.Length != length)
            {
                return null;
            }
            source.CopyTo(output);
            return output;
        }
        if (length == 0)
        {
            return output;
        }
        fixed (byte* src = source)
        fixed (byte* dst = output)
        {
            switch (codec)
            {
                case ParquetCodes.Zstd:
                    // A context per thread, made once: ZSTD_decompress would allocate and set up a new one per page.
                    var context = _zstdContext ??= new ZstdContext();
                    var written = ZstdDecompressContext(context.Handle, dst, (nuint)length, src, (nuint)source.Length);
                    return written == (nuint)length ? output : null;
                case ParquetCodes.Snappy:
                    return SnappyRawUncompress(src, (nuint)source.Length, dst) ? output : null;
                default:
                    return null;
            }
        }
    }

    // The native library ParquetSharp ships carries zstd and snappy and exports them: no second copy is needed.
    [ThreadStatic]
    private static ZstdContext? _zstdContext;

    /// <summary>A zstd decompression context, freed when its thread's last reference goes.</summary>
    private sealed class ZstdContext
    {
        public ZstdContext()
        {
            Handle = ZstdCreateContext();
            if (Handle == 0)
            {
                throw new OutOfMemoryException("Could not create a zstd decompression context.");
            }
        }

        public nint Handle { get; }

        ~ZstdContext() => ZstdFreeContext(Handle);
    }

    [LibraryImport(Native, EntryPoint = "ZSTD_createDCtx")]
    private static partial nint ZstdCreateContext();

    [LibraryImport(Native, EntryPoint = "ZSTD_freeDCtx")]
    private static partial nuint ZstdFreeContext(nint context);

    [LibraryImport(Native, EntryPoint = "ZSTD_decompressDCtx")]
    private static unsafe partial nuint ZstdDecompressContext(nint context, byte* dst, nuint dstCapacity, byte* src, nuint srcSize);

    [LibraryImport(Native, EntryPoint = "_ZN6snappy13RawUncompressEPKcmPc")]
    [return: MarshalAs(UnmanagedType.U1)]
    private static unsafe partial bool SnappyRawUncompress(byte* compressed, nuint length, byte* uncompressed);
}
