using System.Buffers.Binary;
using Sleeper.Parquet.Pages;

namespace Sleeper.Parquet;

/// <summary>
/// Per data file, what a point or narrow query needs to read single pages instead of whole row groups: the
/// footer's page locations, parsed once, and each column chunk's page index (offset index, and the column index
/// of the first row key) once it is first used. Data files are immutable, so entries are keyed by store location
/// and name and never go stale; a deleted file's entry just ages out. Thread-safe, and bounded in (estimated)
/// bytes, least recently used first out.
/// </summary>
public sealed class ParquetPageCache
{
    /// <summary>
    /// The default bound: 512 MiB, an eighth for files' page locations and indexes (tens of thousands of files),
    /// the rest for decoded pages of the first row key (the whole key column of about 25 million rows of 12-byte keys).
    /// </summary>
    public const long DefaultCapacityBytes = 512L * 1024 * 1024;

    private readonly Dictionary<(string, string), LinkedListNode<(string Location, string Name, ParquetLayout Layout)>> _entries = [];
    private readonly LinkedList<(string Location, string Name, ParquetLayout Layout)> _recent = new();
    private readonly Lock _lock = new();
    private long _layoutBytes;

    public ParquetPageCache(long capacityBytes = DefaultCapacityBytes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacityBytes, 1);
        CapacityBytes = capacityBytes;
    }

    /// <summary>The process's cache, used by queries unless they are given another.</summary>
    public static ParquetPageCache Shared { get; } = new();

    public long CapacityBytes { get; }

    /// <summary>Files whose layout is held.</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _entries.Count;
            }
        }
    }

    public void Clear()
    {
        lock (_lock)
        {
            _entries.Clear();
            _recent.Clear();
            _layoutBytes = 0;
            _pages.Clear();
            _recentPages.Clear();
            _pageBytes = 0;
        }
    }

    internal ParquetLayout? Find(string location, string name)
    {
        lock (_lock)
        {
            if (!_entries.TryGetValue((location, name), out var node))
            {
                return null;
            }
            _recent.Remove(node);
            _recent.AddFirst(node);
            return node.Value.Layout;
        }
    }

    internal void Add(string location, string name, ParquetLayout layout)
    {
        lock (_lock)
        {
            if (_entries.ContainsKey((location, name)))
            {
                return;
            }
            _entries[(location, name)] = _recent.AddFirst((location, name, layout));
            // A layout grows a little as its page indexes are read; it is charged what it holds when it comes in
            // plus an allowance for those, so the bound is kept without summing every entry on each add.
            _layoutBytes += layout.Cost * 2;
            while (_layoutBytes > CapacityBytes / 8 && _recent.Last is { } oldest && _recent.Count > 1)
            {
                _recent.RemoveLast();
                _entries.Remove((oldest.Value.Location, oldest.Value.Name));
                _layoutBytes -= oldest.Value.Layout.Cost * 2;
            }
        }
    }

    private readonly Dictionary<(string, string, int, int, int), LinkedListNode<((string, string, int, int, int) Key, DecodedPage Page)>> _pages = [];
    private readonly LinkedList<((string, string, int, int, int) Key, DecodedPage Page)> _recentPages = new();
    private long _pageBytes;

    /// <summary>The most bytes of decoded first-row-key pages held (the rest of the capacity is for layouts).</summary>
    public long PageCapacityBytes => CapacityBytes * 7 / 8;

    /// <summary>Decoded first-row-key pages held, and their bytes.</summary>
    public (int Pages, long Bytes) PageStatistics
    {
        get
        {
            lock (_lock)
            {
                return (_pages.Count, _pageBytes);
            }
        }
    }

    internal DecodedPage? FindPage((string, string, int, int, int) key)
    {
        lock (_lock)
        {
            if (!_pages.TryGetValue(key, out var node))
            {
                return null;
            }
            _recentPages.Remove(node);
            _recentPages.AddFirst(node);
            return node.Value.Page;
        }
    }

    internal void AddPage((string, string, int, int, int) key, DecodedPage page)
    {
        if (page.Cost > PageCapacityBytes / 16)
        {
            return;
        }
        lock (_lock)
        {
            if (_pages.ContainsKey(key))
            {
                return;
            }
            _pages[key] = _recentPages.AddFirst((key, page));
            _pageBytes += page.Cost;
            while (_pageBytes > PageCapacityBytes && _recentPages.Last is { } oldest)
            {
                _recentPages.RemoveLast();
                _pages.Remove(oldest.Value.Key);
                _pageBytes -= oldest.Value.Page.Cost;
            }
        }
    }

    /// <summary>The layout of the file, from here or read from its footer (through the footer cache for stream-read files).</summary>
    internal async Task<ParquetLayout?> GetAsync(ByteSource source, string location, string name, ParquetFooterCache? footers, CancellationToken cancellationToken)
    {
        if (Find(location, name) is { } cached)
        {
            return cached;
        }
        byte[]? tail = footers?.Find(location, name)?.Tail;
        var length = source.Length;
        if (tail is null)
        {
            if (length < 12)
            {
                return null;
            }
            var end = await source.ReadAsync(length - 8, 8, cancellationToken).ConfigureAwait(false);
            if (!end.AsSpan(4).SequenceEqual("PAR1"u8))
            {
                return null;
            }
            var metadataLength = BinaryPrimitives.ReadInt32LittleEndian(end);
            if (metadataLength <= 0 || metadataLength > length - 12)
            {
                return null;
            }
            tail = await source.ReadAsync(length - 8 - metadataLength, metadataLength + 8, cancellationToken).ConfigureAwait(false);
        }
        ParquetLayout layout;
        try
        {
            layout = ParquetLayout.Parse(length, tail);
        }
        catch (Exception e) when (e is IndexOutOfRangeException or ArgumentOutOfRangeException or InvalidDataException)
        {
            return null; // Not a footer this reader understands: whole row groups are read instead.
        }
        Add(location, name, layout);
        return layout;
    }
}
