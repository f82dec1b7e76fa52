using System.Buffers;
using Apache.Arrow;
using Sleeper.Core;
using Sleeper.Core.Batches;
using Sleeper.Core.Keys;
using Sleeper.Core.Schema;
using Sleeper.Core.Storage;
using Field = Sleeper.Core.Schema.Field;

namespace Sleeper.Parquet.Pages;

/// <summary>
/// Reads the rows of a data file that can hold some ranges of the first row key, page by page: the first row
/// key's column index says which of its pages can hold each range, those pages are decoded to find the exact
/// rows, and of every other column read only the pages holding those rows are decoded. Opened per query and
/// file (not thread-safe); what it learns of the file's layout is kept in a shared <see cref="ParquetPageCache"/>.
/// </summary>
public sealed class PageRowReader : IDisposable
{
    private readonly string _location;
    private readonly ParquetPageCache _cache;
    private readonly ByteSource _source;
    private readonly ParquetLayout _layout;
    private readonly TableSchema _schema;
    private readonly int[] _leaves;
    private readonly Dictionary<(int Leaf, int Group, int Page), DecodedPage> _decoded = [];

    private PageRowReader(string location, string name, ByteSource source, ParquetLayout layout, TableSchema schema, int[] leaves, ParquetPageCache cache)
    {
        _location = location;
        _cache = cache;
        Name = name;
        _source = source;
        _layout = layout;
        _schema = schema;
        _leaves = leaves;
        // Worked out once per file and key schema: the statistics decode into fresh strings otherwise.
        RowGroups = layout.KeyStatistics(schema, () => Enumerable.Range(0, layout.RowGroups.Length).Select(RowGroupInfoOf).ToArray());
    }

    public string Name { get; }

    /// <summary>The file's row groups with the key columns' ranges from the footer.</summary>
    public IReadOnlyList<RowGroupInfo> RowGroups { get; }

    /// <summary>Pages of the first row key decoded, and of all columns, by this reader (for statistics).</summary>
    public int PagesDecoded => _decoded.Count;

    /// <summary>
    /// Opens a file for page reads of the fields of <paramref name="readSchema"/>; null when it cannot be read that
    /// way (a nested or dictionary-encoded column, an unknown codec, no page index), so the caller reads row groups.
    /// Throws <see cref="SleeperException"/> naming the file when it does not exist.
    /// </summary>
    public static async Task<PageRowReader?> OpenAsync(IObjectStore store, string name, TableSchema readSchema, ParquetPageCache cache,
        ParquetFooterCache? footers, CancellationToken cancellationToken = default)
    {
        ByteSource source;
        try
        {
            if (store.LocalPathOf(name) is { } path)
            {
                source = new FileByteSource(File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete));
            }
            else
            {
                // A file seen before opens at its known length: no request for it (no HEAD on S3).
                var length = cache.Find(store.Location, name)?.FileLength ?? footers?.Find(store.Location, name)?.FileLength;
                source = new StreamByteSource(length is null
                    ? await store.OpenReadAsync(name, cancellationToken).ConfigureAwait(false)
                    : await store.OpenReadAsync(name, length.Value, cancellationToken).ConfigureAwait(false));
            }
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or ObjectNotFoundException)
        {
            throw new SleeperException($"Parquet file '{name}' does not exist in {store.Location}.", e);
        }
        try
        {
            var layout = await cache.GetAsync(source, store.Location, name, footers, cancellationToken).ConfigureAwait(false);
            var leaves = layout is null ? null : readSchema.AllFields.Select(f => layout.PageReadableLeaf(f)).ToArray();
            if (layout is null || leaves!.Any(l => l is null) || layout.RowGroups.Length == 0)
            {
                source.Dispose();
                return null;
            }
            return new PageRowReader(store.Location, name, source, layout, readSchema, leaves!.Select(l => l!.Value).ToArray(), cache);
        }
        catch (ObjectNotFoundException e)
        {
            source.Dispose();
            throw new SleeperException($"Parquet file '{name}' does not exist in {store.Location}.", e);
        }
        catch
        {
            source.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The rows of a row group whose first row key may lie in one of the ranges, as sorted, disjoint [start, end)
    /// intervals; null when they hold more than <paramref name="maxRows"/> rows, or a page cannot be decoded here
    /// (the caller then reads the row group whole).
    /// </summary>
    public async Task<IReadOnlyList<(long Start, long End)>?> FindRowsAsync(int rowGroup, IReadOnlyList<KeyRange> ranges, long maxRows, CancellationToken cancellationToken)
    {
        var keyField = _schema.RowKeyFields[0];
        var leaf = _leaves[0];
        var chunk = _layout.RowGroups[rowGroup].Columns[leaf];
        var pages = await PagesAsync(chunk, cancellationToken).ConfigureAwait(false);
        var bounds = await BoundsAsync(chunk, keyField, cancellationToken).ConfigureAwait(false);
        var candidates = new SortedSet<int>();
        foreach (var range in ranges)
        {
            for (var p = 0; p < pages.Length; p++)
            {
                if (bounds is null || bounds[p].Min is null || bounds[p].Max is null || range.OverlapsClosed(bounds[p].Min!, bounds[p].Max!))
                {
                    candidates.Add(p);
                }
            }
        }
        var intervals = new List<(long Start, long End)>();
        foreach (var p in candidates)
        {
            var page = await DecodeAsync(leaf, rowGroup, p, chunk, pages, cancellationToken, cacheShared: true).ConfigureAwait(false);
            if (page is null)
            {
                return null;
            }
            if (page.Valid is not null)
            {
                return null; // A null row key: not something a table writes; leave it to the general reader.
            }
            foreach (var range in ranges)
            {
                if (bounds is not null && bounds[p].Min is { } min && bounds[p].Max is { } max && !range.OverlapsClosed(min, max))
                {
                    continue;
                }
                var (start, end) = RowsIn(page, new KeyBounds(keyField, range));
                if (start < end)
                {
                    intervals.Add((pages[p].FirstRow + start, pages[p].FirstRow + end));
                }
            }
        }
        intervals.Sort();
        var merged = new List<(long Start, long End)>();
        foreach (var (s, e) in intervals)
        {
            if (merged.Count > 0 && s <= merged[^1].End)
            {
                merged[^1] = (merged[^1].Start, Math.Max(merged[^1].End, e));
            }
            else
            {
                merged.Add((s, e));
            }
        }
        return merged.Sum(i => i.End - i.Start) > maxRows ? null : merged;
    }

    /// <summary>The rows of the intervals of a row group, all fields of the read schema, in row order.</summary>
    public async Task<RecordBatch> ReadRowsAsync(int rowGroup, IReadOnlyList<(long Start, long End)> intervals, CancellationToken cancellationToken)
    {
        var rows = (int)intervals.Sum(i => i.End - i.Start);
        var arrays = new IArrowArray[_schema.AllFields.Count];
        for (var f = 0; f < arrays.Length; f++)
        {
            var field = _schema.AllFields[f];
            var leaf = _leaves[f];
            var chunk = _layout.RowGroups[rowGroup].Columns[leaf];
            var pages = await PagesAsync(chunk, cancellationToken).ConfigureAwait(false);
            var column = new ColumnBuilder(field.Type, rows);
            foreach (var (start, end) in intervals)
            {
                var p = PageOf(pages, start);
                for (var row = start; row < end;)
                {
                    while (p + 1 < pages.Length && pages[p + 1].FirstRow <= row)
                    {
                        p++;
                    }
                    var page = await DecodeAsync(leaf, rowGroup, p, chunk, pages, cancellationToken).ConfigureAwait(false)
                        ?? throw new SleeperException($"Could not read page {p} of column '{field.Name}' in row group {rowGroup} of Parquet file '{Name}'.");
                    var first = (int)(row - pages[p].FirstRow);
                    var last = (int)Math.Min(end - pages[p].FirstRow, page.Rows);
                    if (last <= first)
                    {
                        throw new SleeperException($"Parquet file '{Name}': page {p} of column '{field.Name}' holds fewer rows than its page index says.");
                    }
                    var cursor = new PageCursor(page);
                    cursor.MoveTo(first);
                    for (var i = first; i < last; i++, cursor.Next())
                    {
                        column.Append(cursor);
                    }
                    row = pages[p].FirstRow + last;
                }
            }
            arrays[f] = column.Build();
        }
        return new RecordBatch(ArrowSchemas.ToArrow(_schema), arrays, rows);
    }

    public void Dispose()
    {
        _source.Dispose();
        foreach (var page in _decoded.Values)
        {
            if (page.Pooled)
            {
                ArrayPool<byte>.Shared.Return(page.Data);
            }
        }
        _decoded.Clear();
    }

    private static int PageOf(PageLocation[] pages, long row)
    {
        int lo = 0, hi = pages.Length - 1;
        while (lo < hi)
        {
            var mid = (lo + hi + 1) / 2;
            if (pages[mid].FirstRow <= row)
            {
                lo = mid;
            }
            else
            {
                hi = mid - 1;
            }
        }
        return lo;
    }

    /// <summary>The run of rows of a page (in key order) inside the range, as [start, end): one pass, no allocation.</summary>
    private static (int Start, int End) RowsIn(DecodedPage page, KeyBounds bounds)
    {
        if (page.RandomAccess)
        {
            // Two binary searches: the first row not below the range, the first row above it.
            int lo = 0, hi = page.Rows;
            while (lo < hi)
            {
                var mid = (lo + hi) >>> 1;
                if (bounds.Below(page.ValueAt(mid)))
                {
                    lo = mid + 1;
                }
                else
                {
                    hi = mid;
                }
            }
            var first = lo;
            hi = page.Rows;
            while (lo < hi)
            {
                var mid = (lo + hi) >>> 1;
                if (!bounds.Above(page.ValueAt(mid)))
                {
                    lo = mid + 1;
                }
                else
                {
                    hi = mid;
                }
            }
            return (first, lo);
        }
        var cursor = new PageCursor(page);
        while (cursor.Row < page.Rows && bounds.Below(cursor.Value))
        {
            cursor.Next();
        }
        var start = cursor.Row;
        while (cursor.Row < page.Rows && !bounds.Above(cursor.Value))
        {
            cursor.Next();
        }
        return (start, cursor.Row);
    }

    private async Task<PageLocation[]> PagesAsync(ColumnChunkLayout chunk, CancellationToken cancellationToken)
    {
        if (chunk.Pages is { } known)
        {
            return known;
        }
        var bytes = await _source.ReadAsync(chunk.OffsetIndexOffset, chunk.OffsetIndexLength, cancellationToken).ConfigureAwait(false);
        var pages = ParquetLayout.ParseOffsetIndex(bytes);
        if (pages.Length == 0)
        {
            throw new SleeperException($"Parquet file '{Name}' has an empty offset index.");
        }
        chunk.Pages = pages;
        return pages;
    }

    private async Task<(object? Min, object? Max)[]?> BoundsAsync(ColumnChunkLayout chunk, Field field, CancellationToken cancellationToken)
    {
        if (chunk.PageBounds is { } known)
        {
            return known;
        }
        if (chunk.ColumnIndexOffset < 0 || chunk.ColumnIndexLength <= 0)
        {
            return null;
        }
        var bytes = await _source.ReadAsync(chunk.ColumnIndexOffset, chunk.ColumnIndexLength, cancellationToken).ConfigureAwait(false);
        var bounds = ParquetLayout.ParseColumnIndex(bytes, field);
        if (bounds.Length != chunk.Pages?.Length)
        {
            return null;
        }
        chunk.PageBounds = bounds;
        return bounds;
    }

    /// <param name="cacheShared">Keep the decoded page in the shared cache (the first row key's pages, which every lookup of the file needs).</param>
    private async Task<DecodedPage?> DecodeAsync(int leaf, int rowGroup, int p, ColumnChunkLayout chunk, PageLocation[] pages, CancellationToken cancellationToken, bool cacheShared = false)
    {
        if (_decoded.TryGetValue((leaf, rowGroup, p), out var known))
        {
            return known;
        }
        var key = (_location, Name, rowGroup, leaf, p);
        if (cacheShared && _cache.FindPage(key) is { } shared)
        {
            _decoded[(leaf, rowGroup, p)] = shared;
            return shared;
        }
        var size = pages[p].Size;
        var bytes = ArrayPool<byte>.Shared.Rent(size);
        DecodedPage? page;
        try
        {
            await _source.ReadAsync(pages[p].Offset, bytes.AsMemory(0, size), cancellationToken).ConfigureAwait(false);
            var maxDefinition = _layout.Fields.Values.First(f => f.Leaf == leaf).MaxDefinition;
            page = PageDecoder.Decode(bytes.AsSpan(0, size), chunk.PhysicalType, chunk.Codec, maxDefinition, pool: !cacheShared);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(bytes);
        }
        if (page is not null)
        {
            if (cacheShared)
            {
                page = page.WithOffsets();
                _cache.AddPage(key, page);
            }
            _decoded[(leaf, rowGroup, p)] = page;
        }
        return page;
    }

    private RowGroupInfo RowGroupInfoOf(int g)
    {
        var statistics = new KeyColumnStatistics[_schema.KeyFieldCount];
        for (var i = 0; i < statistics.Length; i++)
        {
            var field = _schema.AllFields[i];
            var chunk = _layout.RowGroups[g].Columns[_leaves[i]];
            var min = chunk.MinValue is null ? null : ParquetLayout.DecodeValue(field, chunk.MinValue);
            var max = chunk.MaxValue is null ? null : ParquetLayout.DecodeValue(field, chunk.MaxValue);
            statistics[i] = min is null || max is null ? new KeyColumnStatistics(field, null, null) : new KeyColumnStatistics(field, min, max);
        }
        return new RowGroupInfo(g, _layout.RowGroups[g].Rows, statistics);
    }

    /// <summary>Builds one Arrow column of a primitive Sleeper type from decoded page values.</summary>
    private sealed class ColumnBuilder(SleeperType type, int capacity)
    {
        private readonly Int32Array.Builder? _ints = type is IntType ? new Int32Array.Builder().Reserve(capacity) : null;
        private readonly Int64Array.Builder? _longs = type is LongType ? new Int64Array.Builder().Reserve(capacity) : null;
        private readonly StringArray.Builder? _strings = type is StringType ? new StringArray.Builder() : null;
        private readonly BinaryArray.Builder? _bytes = type is ByteArrayType ? new BinaryArray.Builder() : null;

        public void Append(PageCursor cursor)
        {
            if (!cursor.IsSet)
            {
                if (_ints is not null) { _ints.AppendNull(); }
                else if (_longs is not null) { _longs.AppendNull(); }
                else if (_strings is not null) { _strings.AppendNull(); }
                else { _bytes!.AppendNull(); }
                return;
            }
            var value = cursor.Value;
            if (_ints is not null) { _ints.Append(System.Buffers.Binary.BinaryPrimitives.ReadInt32LittleEndian(value)); }
            else if (_longs is not null) { _longs.Append(System.Buffers.Binary.BinaryPrimitives.ReadInt64LittleEndian(value)); }
            else if (_strings is not null) { _strings.Append(value); }
            else { _bytes!.Append(value); }
        }

        public IArrowArray Build() =>
            _ints?.Build() ?? _longs?.Build() ?? _strings?.Build() ?? (IArrowArray)_bytes!.Build();
    }
}

/// <summary>A key range's bounds, compared with plain-encoded values as they lie in a page (Sleeper orders strings by their UTF-8 bytes).</summary>
internal readonly struct KeyBounds
{
    private readonly int _kind;
    private readonly long _min;
    private readonly long _max;
    private readonly byte[]? _minBytes;
    private readonly byte[]? _maxBytes;
    private readonly bool _minInclusive;
    private readonly bool _maxInclusive;
    private readonly bool _unboundedAbove;

    public KeyBounds(Field field, KeyRange range)
    {
        _minInclusive = range.MinInclusive;
        _maxInclusive = range.MaxInclusive;
        _unboundedAbove = range.Max is null;
        switch (field.Type)
        {
            case IntType:
                _kind = 0;
                _min = (int)range.Min;
                _max = range.Max is null ? 0 : (int)range.Max;
                break;
            case LongType:
                _kind = 1;
                _min = (long)range.Min;
                _max = range.Max is null ? 0 : (long)range.Max;
                break;
            case StringType:
                _kind = 2;
                _minBytes = System.Text.Encoding.UTF8.GetBytes((string)range.Min);
                _maxBytes = range.Max is null ? null : System.Text.Encoding.UTF8.GetBytes((string)range.Max);
                break;
            default:
                _kind = 2;
                _minBytes = (byte[])range.Min;
                _maxBytes = (byte[]?)range.Max;
                break;
        }
    }

    /// <summary>Whether the value lies below the range.</summary>
    public bool Below(ReadOnlySpan<byte> value)
    {
        var c = CompareTo(value, _min, _minBytes);
        return c < 0 || (c == 0 && !_minInclusive);
    }

    /// <summary>Whether the value lies above the range.</summary>
    public bool Above(ReadOnlySpan<byte> value)
    {
        if (_unboundedAbove)
        {
            return false;
        }
        var c = CompareTo(value, _max, _maxBytes);
        return c > 0 || (c == 0 && !_maxInclusive);
    }

    private int CompareTo(ReadOnlySpan<byte> value, long number, byte[]? bytes) => _kind switch
    {
        0 => ((long)System.Buffers.Binary.BinaryPrimitives.ReadInt32LittleEndian(value)).CompareTo(number),
        1 => System.Buffers.Binary.BinaryPrimitives.ReadInt64LittleEndian(value).CompareTo(number),
        _ => value.SequenceCompareTo(bytes),
    };
}
