using Sleeper.Parquet.Footers;

namespace Sleeper.Parquet;

/// <summary>What a <see cref="ParquetFooterCache"/> holds and has done, at one moment.</summary>
/// <param name="Entries">Footers held.</param>
/// <param name="Bytes">What they cost, as the cache counts it (footer bytes and names, plus a fixed overhead each).</param>
/// <param name="Hits">Opens that found their file's footer here.</param>
/// <param name="Misses">Opens that had to read it from the store.</param>
/// <param name="Evictions">Footers dropped to stay within the capacity.</param>
public readonly record struct ParquetFooterCacheStatistics(int Entries, long Bytes, long Hits, long Misses, long Evictions);

/// <summary>
/// The footers of data files read from an object store without local paths (S3), kept so that opening a file
/// again costs no request for its length and none for its footer: the reader is handed the cached bytes, and the
/// store's stream is opened at the known length and fetches only the row groups read. Shared by every reader in
/// the process (<see cref="Shared"/>, unless a caller passes its own), thread-safe, and bounded in bytes: the
/// least recently used footers are dropped first.
/// </summary>
/// <remarks>
/// <para>
/// <b>Why caching by name is safe.</b> A table's data files are immutable: a file is written under a fresh name
/// (a UUID), becomes visible whole, and is never rewritten; it is only ever deleted. So a footer read once stays
/// true for as long as the name exists. A file deleted since (garbage collection) fails on its first data read
/// instead of on open, with the same "does not exist" error. Keys are the store's <see cref="Core.Storage.IObjectStore.Location"/>
/// and the object's name, so two instances never share an entry (and two stores that share a location string,
/// such as one bucket name on two endpoints, would still need the same fresh UUID to collide).
/// </para>
/// <para>
/// <b>What is cached.</b> The raw footer, exactly as the file ends (the Thrift FileMetaData, its length and the
/// magic), and the file's length, not a parsed form: ParquetSharp has no way to hand parsed metadata to a new
/// reader, so the native reader parses the cached bytes again (microseconds for Sleeper's files), but reads
/// nothing. Footers are small (a few KiB for a file of a few row groups), so the default capacity holds those of
/// thousands of files; one footer larger than a sixteenth of the capacity is not kept, so that it cannot flush
/// the rest.
/// </para>
/// <para>
/// Files read through a local path (the embedded store) do not use the cache: the operating system's page cache
/// already keeps their footers, and the native reader is fastest on a path.
/// </para>
/// </remarks>
public sealed class ParquetFooterCache
{
    /// <summary>The default capacity: 64 MiB.</summary>
    public const long DefaultCapacityBytes = 64L * 1024 * 1024;

    // What an entry costs beyond its bytes: the node, the key tuple, the entry and array headers.
    private const int EntryOverheadBytes = 200;

    private readonly Dictionary<(string Location, string Name), LinkedListNode<Entry>> _entries = [];
    private readonly LinkedList<Entry> _recent = new();
    private readonly Lock _lock = new();
    private long _bytes;
    private long _hits;
    private long _misses;
    private long _evictions;

    /// <param name="capacityBytes">The most the cache holds, in bytes; at least 1.</param>
    public ParquetFooterCache(long capacityBytes = DefaultCapacityBytes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacityBytes, 1);
        CapacityBytes = capacityBytes;
    }

    /// <summary>The process's cache, used by queries unless they are given another.</summary>
    public static ParquetFooterCache Shared { get; } = new();

    public long CapacityBytes { get; }

    public ParquetFooterCacheStatistics Statistics
    {
        get
        {
            lock (_lock)
            {
                return new ParquetFooterCacheStatistics(_entries.Count, _bytes, _hits, _misses, _evictions);
            }
        }
    }

    /// <summary>Drops every footer (the counts of hits and misses stay).</summary>
    public void Clear()
    {
        lock (_lock)
        {
            _entries.Clear();
            _recent.Clear();
            _bytes = 0;
        }
    }

    /// <summary>The footer of the object, counting a hit or a miss; null when it is not held.</summary>
    internal ParquetFooter? Find(string location, string name)
    {
        lock (_lock)
        {
            if (_entries.TryGetValue((location, name), out var node))
            {
                _recent.Remove(node);
                _recent.AddFirst(node);
                _hits++;
                return node.Value.Footer;
            }
            _misses++;
            return null;
        }
    }

    /// <summary>Keeps a footer just read, dropping the least recently used beyond the capacity.</summary>
    internal void Add(string location, string name, ParquetFooter footer)
    {
        var cost = CostOf(location, name, footer);
        if (cost > CapacityBytes / 16)
        {
            return;
        }
        lock (_lock)
        {
            if (_entries.TryGetValue((location, name), out var existing))
            {
                // Another reader of the same file got here first: both read the same immutable bytes.
                _recent.Remove(existing);
                _recent.AddFirst(existing);
                return;
            }
            var node = _recent.AddFirst(new Entry(location, name, footer, cost));
            _entries[(location, name)] = node;
            _bytes += cost;
            while (_bytes > CapacityBytes && _recent.Last is { } oldest)
            {
                _recent.RemoveLast();
                _entries.Remove((oldest.Value.Location, oldest.Value.Name));
                _bytes -= oldest.Value.Cost;
                _evictions++;
            }
        }
    }

    private static long CostOf(string location, string name, ParquetFooter footer) =>
        footer.Tail.Length + 2L * (location.Length + name.Length) + EntryOverheadBytes;

    private sealed record Entry(string Location, string Name, ParquetFooter Footer, long Cost);
}
