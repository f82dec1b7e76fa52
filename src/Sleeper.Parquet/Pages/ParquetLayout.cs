using System.Collections.Concurrent;
using System.Text;
using Sleeper.Core.Schema;

namespace Sleeper.Parquet.Pages;

/// <summary>Parquet's physical types and codecs, as numbered in its Thrift definition.</summary>
internal static class ParquetCodes
{
    public const int Int32 = 1, Int64 = 2, ByteArray = 6;
    public const int Uncompressed = 0, Snappy = 1, Zstd = 6;
    public const int Plain = 0;
}

/// <summary>Where one column's pages are in one row group, from the footer; its page indexes are read on first use.</summary>
internal sealed class ColumnChunkLayout
{
    public int PhysicalType { get; init; }
    public int Codec { get; init; }
    public bool HasDictionary { get; init; }
    public bool PlainOnly { get; init; }
    public long OffsetIndexOffset { get; init; } = -1;
    public int OffsetIndexLength { get; init; }
    public long ColumnIndexOffset { get; init; } = -1;
    public int ColumnIndexLength { get; init; }
    public byte[]? MinValue { get; init; }
    public byte[]? MaxValue { get; init; }

    /// <summary>The pages' positions, once read: offset, size with header, first row.</summary>
    public PageLocation[]? Pages { get; set; }

    /// <summary>Each page's smallest and largest value (the column index), once read; null entries when a page has none.</summary>
    public (object? Min, object? Max)[]? PageBounds { get; set; }

    public bool CanReadPages => PlainOnly && !HasDictionary && OffsetIndexOffset >= 0 && OffsetIndexLength > 0
        && Codec is ParquetCodes.Uncompressed or ParquetCodes.Snappy or ParquetCodes.Zstd
        && PhysicalType is ParquetCodes.Int32 or ParquetCodes.Int64 or ParquetCodes.ByteArray;
}

internal readonly record struct PageLocation(long Offset, int Size, long FirstRow);

internal sealed class RowGroupLayout(long rows, ColumnChunkLayout[] columns)
{
    public long Rows { get; } = rows;

    /// <summary>By leaf column index.</summary>
    public ColumnChunkLayout[] Columns { get; } = columns;
}

/// <summary>
/// What the footer of a data file says about where its pages are, parsed once per file (files are immutable, so
/// it is cached by name) and extended with each column chunk's page index when a lookup first needs it.
/// </summary>
internal sealed class ParquetLayout
{
    private ParquetLayout(long fileLength, IReadOnlyDictionary<string, (int Leaf, int MaxDefinition)> fields, RowGroupLayout[] rowGroups, long cost)
    {
        FileLength = fileLength;
        Fields = fields;
        RowGroups = rowGroups;
        Cost = cost;
    }

    public long FileLength { get; }

    /// <summary>Top-level fields stored as one flat column: their leaf column and greatest definition level. Nested fields are absent.</summary>
    public IReadOnlyDictionary<string, (int Leaf, int MaxDefinition)> Fields { get; }

    public RowGroupLayout[] RowGroups { get; }

    /// <summary>Roughly what it holds in memory when parsed, in bytes, for the cache's bound.</summary>
    public long Cost { get; }

    private KeyStatisticsEntry? _keyStatistics;

    private sealed record KeyStatisticsEntry(Field[] KeyFields, RowGroupInfo[] Groups);

    /// <summary>The row groups' key statistics for a table schema's key fields, built once (for the last key fields asked about).</summary>
    internal RowGroupInfo[] KeyStatistics(TableSchema schema, Func<RowGroupInfo[]> build)
    {
        var keys = schema.AllFields.Take(schema.KeyFieldCount);
        if (Volatile.Read(ref _keyStatistics) is { } known && known.KeyFields.SequenceEqual(keys))
        {
            return known.Groups;
        }
        var groups = build();
        Volatile.Write(ref _keyStatistics, new KeyStatisticsEntry(keys.ToArray(), groups));
        return groups;
    }

    /// <summary>The leaf column of a field if its pages can be read one by one in every row group; null if not.</summary>
    public int? PageReadableLeaf(Field field)
    {
        if (!Fields.TryGetValue(field.Name, out var f))
        {
            return null;
        }
        var expected = field.Type switch
        {
            IntType => ParquetCodes.Int32,
            LongType => ParquetCodes.Int64,
            StringType or ByteArrayType => ParquetCodes.ByteArray,
            _ => -1,
        };
        foreach (var group in RowGroups)
        {
            var chunk = group.Columns[f.Leaf];
            if (!chunk.CanReadPages || chunk.PhysicalType != expected)
            {
                return null;
            }
        }
        return f.Leaf;
    }

    /// <summary>Parses the footer (the Thrift FileMetaData, its length and magic, as <c>ParquetFooter.Tail</c>).</summary>
    public static ParquetLayout Parse(long fileLength, ReadOnlySpan<byte> tail)
    {
        var metadata = tail[..^8];
        var reader = new ThriftCompactReader(metadata);
        var fields = new Dictionary<string, (int, int)>(StringComparer.Ordinal);
        var rowGroups = new List<RowGroupLayout>();
        while (true)
        {
            var (id, type) = reader.ReadFieldHeader();
            if (type == ThriftCompactReader.Stop)
            {
                break;
            }
            if (id == 2 && type == ThriftCompactReader.List)
            {
                ReadSchema(ref reader, fields);
            }
            else if (id == 4 && type == ThriftCompactReader.List)
            {
                var (_, count) = reader.ReadListHeader();
                for (var i = 0; i < count; i++)
                {
                    rowGroups.Add(ReadRowGroup(ref reader));
                }
            }
            else
            {
                reader.Skip(type);
            }
        }
        return new ParquetLayout(fileLength, fields, rowGroups.ToArray(), 256 + metadata.Length * 2L);
    }

    private static void ReadSchema(ref ThriftCompactReader reader, Dictionary<string, (int, int)> fields)
    {
        var (_, count) = reader.ReadListHeader();
        var elements = new (string Name, int Children, int Repetition)[count];
        for (var i = 0; i < count; i++)
        {
            var saved = reader.BeginStruct();
            string name = "";
            int children = 0, repetition = 0;
            while (true)
            {
                var (id, type) = reader.ReadFieldHeader();
                if (type == ThriftCompactReader.Stop)
                {
                    break;
                }
                switch (id)
                {
                    case 3 when type == ThriftCompactReader.I32: repetition = reader.ReadI32(); break;
                    case 4 when type == ThriftCompactReader.Binary: name = Encoding.UTF8.GetString(reader.ReadBinary()); break;
                    case 5 when type == ThriftCompactReader.I32: children = reader.ReadI32(); break;
                    default: reader.Skip(type); break;
                }
            }
            reader.EndStruct(saved);
            elements[i] = (name, children, repetition);
        }
        // Element 0 is the root; its children are the top-level fields, each followed by its own subtree.
        var leaf = 0;
        var next = 1;
        for (var f = 0; f < elements[0].Children && next < count; f++)
        {
            var top = elements[next];
            if (top.Children == 0)
            {
                // REQUIRED 0, OPTIONAL 1, REPEATED 2: a repeated leaf is a list, not readable here.
                if (top.Repetition != 2)
                {
                    fields[top.Name] = (leaf, top.Repetition == 1 ? 1 : 0);
                }
                leaf++;
                next++;
                continue;
            }
            // A nested field: count its leaves and move past its subtree.
            var pending = 1;
            while (pending > 0 && next < count)
            {
                var e = elements[next++];
                pending--;
                if (e.Children == 0)
                {
                    leaf++;
                }
                pending += e.Children;
            }
        }
    }

    private static RowGroupLayout ReadRowGroup(ref ThriftCompactReader reader)
    {
        var saved = reader.BeginStruct();
        var columns = new List<ColumnChunkLayout>();
        long rows = 0;
        while (true)
        {
            var (id, type) = reader.ReadFieldHeader();
            if (type == ThriftCompactReader.Stop)
            {
                break;
            }
            if (id == 1 && type == ThriftCompactReader.List)
            {
                var (_, count) = reader.ReadListHeader();
                for (var i = 0; i < count; i++)
                {
                    columns.Add(ReadColumnChunk(ref reader));
                }
            }
            else if (id == 3 && type == ThriftCompactReader.I64)
            {
                rows = reader.ReadI64();
            }
            else
            {
                reader.Skip(type);
            }
        }
        reader.EndStruct(saved);
        return new RowGroupLayout(rows, columns.ToArray());
    }

    private static ColumnChunkLayout ReadColumnChunk(ref ThriftCompactReader reader)
    {
        var saved = reader.BeginStruct();
        long offsetIndexOffset = -1, columnIndexOffset = -1;
        int offsetIndexLength = 0, columnIndexLength = 0;
        int physicalType = -1, codec = -1;
        bool hasDictionary = false, plainOnly = true;
        byte[]? min = null, max = null;
        while (true)
        {
            var (id, type) = reader.ReadFieldHeader();
            if (type == ThriftCompactReader.Stop)
            {
                break;
            }
            switch (id)
            {
                case 3 when type == ThriftCompactReader.Struct:
                    var meta = reader.BeginStruct();
                    while (true)
                    {
                        var (mid, mtype) = reader.ReadFieldHeader();
                        if (mtype == ThriftCompactReader.Stop)
                        {
                            break;
                        }
                        switch (mid)
                        {
                            case 1 when mtype == ThriftCompactReader.I32: physicalType = reader.ReadI32(); break;
                            case 2 when mtype == ThriftCompactReader.List:
                                var (_, n) = reader.ReadListHeader();
                                for (var i = 0; i < n; i++)
                                {
                                    // PLAIN, and RLE or BIT_PACKED for levels, are all a page reader here decodes.
                                    var encoding = reader.ReadI32();
                                    plainOnly &= encoding is 0 or 3 or 4;
                                }
                                break;
                            case 4 when mtype == ThriftCompactReader.I32: codec = reader.ReadI32(); break;
                            case 11 when mtype == ThriftCompactReader.I64: reader.ReadI64(); hasDictionary = true; break;
                            case 12 when mtype == ThriftCompactReader.Struct:
                                var stats = reader.BeginStruct();
                                while (true)
                                {
                                    var (sid, stype) = reader.ReadFieldHeader();
                                    if (stype == ThriftCompactReader.Stop)
                                    {
                                        break;
                                    }
                                    switch (sid)
                                    {
                                        case 5 when stype == ThriftCompactReader.Binary: max = reader.ReadBinary().ToArray(); break;
                                        case 6 when stype == ThriftCompactReader.Binary: min = reader.ReadBinary().ToArray(); break;
                                        default: reader.Skip(stype); break;
                                    }
                                }
                                reader.EndStruct(stats);
                                break;
                            default: reader.Skip(mtype); break;
                        }
                    }
                    reader.EndStruct(meta);
                    break;
                case 4 when type == ThriftCompactReader.I64: offsetIndexOffset = reader.ReadI64(); break;
                case 5 when type == ThriftCompactReader.I32: offsetIndexLength = reader.ReadI32(); break;
                case 6 when type == ThriftCompactReader.I64: columnIndexOffset = reader.ReadI64(); break;
                case 7 when type == ThriftCompactReader.I32: columnIndexLength = reader.ReadI32(); break;
                default: reader.Skip(type); break;
            }
        }
        reader.EndStruct(saved);
        return new ColumnChunkLayout
        {
            PhysicalType = physicalType, Codec = codec, HasDictionary = hasDictionary, PlainOnly = plainOnly,
            OffsetIndexOffset = offsetIndexOffset, OffsetIndexLength = offsetIndexLength,
            ColumnIndexOffset = columnIndexOffset, ColumnIndexLength = columnIndexLength, MinValue = min, MaxValue = max,
        };
    }

    /// <summary>Parses an OffsetIndex.</summary>
    public static PageLocation[] ParseOffsetIndex(ReadOnlySpan<byte> bytes)
    {
        var reader = new ThriftCompactReader(bytes);
        PageLocation[] pages = [];
        while (true)
        {
            var (id, type) = reader.ReadFieldHeader();
            if (type == ThriftCompactReader.Stop)
            {
                return pages;
            }
            if (id != 1 || type != ThriftCompactReader.List)
            {
                reader.Skip(type);
                continue;
            }
            var (_, count) = reader.ReadListHeader();
            pages = new PageLocation[count];
            for (var i = 0; i < count; i++)
            {
                var saved = reader.BeginStruct();
                long offset = 0, first = 0;
                var size = 0;
                while (true)
                {
                    var (pid, ptype) = reader.ReadFieldHeader();
                    if (ptype == ThriftCompactReader.Stop)
                    {
                        break;
                    }
                    switch (pid)
                    {
                        case 1: offset = reader.ReadI64(); break;
                        case 2: size = reader.ReadI32(); break;
                        case 3: first = reader.ReadI64(); break;
                        default: reader.Skip(ptype); break;
                    }
                }
                reader.EndStruct(saved);
                pages[i] = new PageLocation(offset, size, first);
            }
        }
    }

    /// <summary>Parses a ColumnIndex's per-page minimum and maximum values, decoded as key values of the field.</summary>
    public static (object? Min, object? Max)[] ParseColumnIndex(ReadOnlySpan<byte> bytes, Field field)
    {
        var reader = new ThriftCompactReader(bytes);
        bool[] nullPages = [];
        object?[] mins = [], maxes = [];
        while (true)
        {
            var (id, type) = reader.ReadFieldHeader();
            if (type == ThriftCompactReader.Stop)
            {
                break;
            }
            switch (id)
            {
                case 1 when type == ThriftCompactReader.List:
                    var (_, n) = reader.ReadListHeader();
                    nullPages = new bool[n];
                    for (var i = 0; i < n; i++)
                    {
                        nullPages[i] = reader.ReadBoolElement();
                    }
                    break;
                case 2 or 3 when type == ThriftCompactReader.List:
                    var (_, m) = reader.ReadListHeader();
                    var values = new object?[m];
                    for (var i = 0; i < m; i++)
                    {
                        values[i] = DecodeValue(field, reader.ReadBinary());
                    }
                    if (id == 2)
                    {
                        mins = values;
                    }
                    else
                    {
                        maxes = values;
                    }
                    break;
                default:
                    reader.Skip(type);
                    break;
            }
        }
        var bounds = new (object?, object?)[mins.Length];
        for (var i = 0; i < bounds.Length; i++)
        {
            var isNull = i < nullPages.Length && nullPages[i];
            bounds[i] = isNull || i >= maxes.Length ? (null, null) : (mins[i], maxes[i]);
        }
        return bounds;
    }

    /// <summary>A plain-encoded statistics value as a key value of the field; null if it cannot be decoded.</summary>
    public static object? DecodeValue(Field field, ReadOnlySpan<byte> bytes) => field.Type switch
    {
        IntType when bytes.Length == 4 => System.Buffers.Binary.BinaryPrimitives.ReadInt32LittleEndian(bytes),
        LongType when bytes.Length == 8 => System.Buffers.Binary.BinaryPrimitives.ReadInt64LittleEndian(bytes),
        StringType => Encoding.UTF8.GetString(bytes),
        ByteArrayType => bytes.ToArray(),
        _ => null,
    };
}
