using Apache.Arrow;
using Sleeper.Core;
using Sleeper.Core.Properties;
using Sleeper.Core.Storage;
using Xunit;

namespace Sleeper.Parquet.Tests;

/// <summary>
/// The footer cache on a store without local paths: a warm open reads nothing and asks no length, data reads stay
/// outside the footer, the cache stays within its bytes, and what it serves reads the same rows.
/// </summary>
public sealed class ParquetFooterCacheTests : IDisposable
{
    private readonly CountingStore _store = new();

    public void Dispose() => _store.Dispose();

    private async Task<string> WriteAsync(string name, int rows, int rowGroupRows = 1000)
    {
        var properties = SleeperProperties.ForTable();
        properties.Set(TableProperty.RowGroupRowsMax.Name, rowGroupRows.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var settings = ParquetWriteSettings.From(TestTables.Standard, properties);
        await using var writer = await SortedParquetWriter.StartAsync(_store, name, settings, new Random(1));
        for (var start = 0; start < rows; start += 500)
        {
            writer.Write(TestTables.StandardBatch(start, Math.Min(500, rows - start)));
        }
        await writer.CommitAsync();
        return name;
    }

    private static async Task<List<object?[]>> ReadRowGroupAsync(SortedParquetReader reader, int group)
    {
        var batches = new List<RecordBatch>();
        await foreach (var batch in reader.ReadRowGroupsAsync([group]))
        {
            batches.Add(batch);
        }
        return TestTables.ToRows(batches);
    }

    [Fact]
    public async Task A_warm_open_asks_no_length_and_reads_no_byte_and_the_data_read_stays_outside_the_footer()
    {
        var name = await WriteAsync("t1/data/partition_root/a.parquet", 3000);
        var size = (await _store.GetInfoAsync(name))!.Size;
        var cache = new ParquetFooterCache();

        var footerLength = await FooterLengthAsync(name);
        _store.Reset();
        List<object?[]> cold;
        using (var reader = await SortedParquetReader.OpenAsync(_store, name, TestTables.Standard, cache))
        {
            Assert.Equal(3, reader.RowGroups.Count);
            Assert.Equal(1, _store.OpensAskingLength);
            // Opening read the footer and nothing else.
            Assert.All(_store.Reads, r => Assert.True(r.Start >= size - footerLength, $"Opening read [{r.Start}, {r.Start + r.Count}) before the footer."));
            cold = await ReadRowGroupAsync(reader, 1);
        }
        Assert.Equal(new ParquetFooterCacheStatistics(1, cache.Statistics.Bytes, 0, 1, 0), cache.Statistics);

        _store.Reset();
        using (var reader = await SortedParquetReader.OpenAsync(_store, name, TestTables.Standard, cache))
        {
            Assert.Equal(0, _store.OpensAskingLength);
            Assert.Equal(1, _store.OpensWithKnownLength);
            Assert.Empty(_store.Reads);
            Assert.Equal(3, reader.RowGroups.Count);
            Assert.Equal(3000, reader.RowCount);
            Assert.Equal("key-00001000", reader.RowGroups[1].KeyStatistics[0].Min);

            var warm = await ReadRowGroupAsync(reader, 1);
            Assert.Equal(cold.Select(r => string.Join(',', r)), warm.Select(r => string.Join(',', r)));
            Assert.Equal("key-00001000", warm[0][0]);
            Assert.Equal(1000, warm.Count);
        }
        Assert.NotEmpty(_store.Reads);
        Assert.All(_store.Reads, r => Assert.True(r.Start + r.Count <= size - footerLength, $"A data read of [{r.Start}, {r.Start + r.Count}) reached the footer of a {size}-byte file."));
        Assert.Equal(1, cache.Statistics.Hits);
    }

    [Fact]
    public async Task Without_a_cache_every_open_reads_the_footer_again()
    {
        var name = await WriteAsync("t1/data/partition_root/b.parquet", 1500);
        for (var i = 0; i < 2; i++)
        {
            _store.Reset();
            using var reader = await SortedParquetReader.OpenAsync(_store, name, TestTables.Standard, footers: null);
            Assert.Equal(1, _store.OpensAskingLength);
            Assert.NotEmpty(_store.Reads);
            Assert.Equal(1500, reader.RowCount);
        }
    }

    [Fact]
    public async Task The_cache_keeps_within_its_capacity_dropping_the_least_recently_used()
    {
        var names = new List<string>();
        for (var i = 0; i < 20; i++)
        {
            names.Add(await WriteAsync($"t1/data/partition_root/f{i:D2}.parquet", 100));
        }
        var probe = new ParquetFooterCache();
        using (await SortedParquetReader.OpenAsync(_store, names[0], TestTables.Standard, probe))
        {
        }
        var oneEntry = probe.Statistics.Bytes;
        // Room for about sixteen: an entry may take at most a sixteenth of the capacity, so no fewer fit.
        var cache = new ParquetFooterCache(16 * (oneEntry + 16));
        foreach (var name in names)
        {
            using (await SortedParquetReader.OpenAsync(_store, name, TestTables.Standard, cache))
            {
            }
        }
        var stats = cache.Statistics;
        Assert.True(stats.Bytes <= cache.CapacityBytes, $"{stats.Bytes} bytes held in a cache of {cache.CapacityBytes}.");
        Assert.InRange(stats.Entries, 16, 19);
        Assert.Equal(20 - stats.Entries, stats.Evictions);

        // The first files opened were the least recently used, so they went; the last is still there.
        using (await SortedParquetReader.OpenAsync(_store, names[^1], TestTables.Standard, cache))
        {
        }
        Assert.Equal(stats.Hits + 1, cache.Statistics.Hits);
        using (await SortedParquetReader.OpenAsync(_store, names[0], TestTables.Standard, cache))
        {
        }
        Assert.Equal(stats.Misses + 1, cache.Statistics.Misses);

        // A footer bigger than a sixteenth of the capacity is not kept at all.
        var small = new ParquetFooterCache(oneEntry * 15);
        using (await SortedParquetReader.OpenAsync(_store, names[1], TestTables.Standard, small))
        {
        }
        Assert.Equal(0, small.Statistics.Entries);
    }

    [Fact]
    public async Task A_file_deleted_after_its_footer_was_cached_fails_on_its_first_read_naming_it()
    {
        var name = await WriteAsync("t1/data/partition_root/gone.parquet", 1000);
        var cache = new ParquetFooterCache();
        using (await SortedParquetReader.OpenAsync(_store, name, TestTables.Standard, cache))
        {
        }
        await _store.DeleteAsync(name);

        using var reader = await SortedParquetReader.OpenAsync(_store, name, TestTables.Standard, cache);
        var error = await Assert.ThrowsAnyAsync<SleeperException>(() => ReadRowGroupAsync(reader, 0));
        Assert.Contains(name, error.Message, StringComparison.Ordinal);
        Assert.Contains("does not exist", error.Message, StringComparison.Ordinal);
        // The store's own message, without the native reader's wrapping or the managed stack.
        Assert.DoesNotContain("Unknown error", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(" at ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_object_that_is_not_parquet_is_reported_as_before_and_not_cached()
    {
        await _store.WriteAllBytesAsync("t1/data/partition_root/junk.parquet", "this is not a parquet file at all"u8.ToArray());
        var cache = new ParquetFooterCache();

        var error = await Assert.ThrowsAnyAsync<SleeperException>(() =>
            SortedParquetReader.OpenAsync(_store, "t1/data/partition_root/junk.parquet", TestTables.Standard, cache));

        Assert.Contains("junk.parquet", error.Message, StringComparison.Ordinal);
        Assert.Contains("not a readable Parquet file", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, cache.Statistics.Entries);
    }

    [Fact]
    public async Task Readers_on_many_threads_share_one_cache_and_read_the_same_rows()
    {
        var names = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            names.Add(await WriteAsync($"t1/data/partition_root/c{i}.parquet", 2000));
        }
        var cache = new ParquetFooterCache();
        var results = await Task.WhenAll(Enumerable.Range(0, 24).Select(i => Task.Run(async () =>
        {
            using var reader = await SortedParquetReader.OpenAsync(_store, names[i % 3], TestTables.Standard, cache);
            var rows = await ReadRowGroupAsync(reader, 1);
            return (string)rows[0][0]!;
        })));

        Assert.All(results, first => Assert.Equal("key-00001000", first));
        Assert.Equal(3, cache.Statistics.Entries);
        Assert.Equal(24, cache.Statistics.Hits + cache.Statistics.Misses);
    }

    /// <summary>The length of the file's footer: its metadata, the metadata's length and the magic.</summary>
    private async Task<long> FooterLengthAsync(string name)
    {
        await using var stream = await _store.OpenReadAsync(name);
        var end = new byte[8];
        stream.Position = stream.Length - 8;
        await stream.ReadExactlyAsync(end);
        return System.Buffers.Binary.BinaryPrimitives.ReadInt32LittleEndian(end) + 8L;
    }

    /// <summary>An in-memory store that counts how it was opened and which byte ranges were read through its streams.</summary>
    private sealed class CountingStore : IObjectStore, IDisposable
    {
        private readonly InMemoryObjectStore _inner = new();
        private readonly List<(long Start, int Count)> _reads = [];
        private int _opensAskingLength;
        private int _opensWithKnownLength;

        public int OpensAskingLength => _opensAskingLength;

        public int OpensWithKnownLength => _opensWithKnownLength;

        public IReadOnlyList<(long Start, int Count)> Reads
        {
            get
            {
                lock (_reads)
                {
                    return _reads.ToList();
                }
            }
        }

        public string Location => _inner.Location;

        public void Reset()
        {
            lock (_reads)
            {
                _reads.Clear();
            }
            _opensAskingLength = 0;
            _opensWithKnownLength = 0;
        }

        public async Task<Stream> OpenReadAsync(string name, CancellationToken cancellationToken = default)
        {
            var stream = await _inner.OpenReadAsync(name, cancellationToken);
            Interlocked.Increment(ref _opensAskingLength);
            return new CountingStream(stream, this);
        }

        public async Task<Stream> OpenReadAsync(string name, long length, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref _opensWithKnownLength);
            // As S3 does: nothing is asked at open, so a missing object fails on its first read.
            return new CountingStream(new LazyStream(() => _inner.OpenReadAsync(name, cancellationToken).GetAwaiter().GetResult(), length), this);
        }

        public Task<StoredObject?> GetInfoAsync(string name, CancellationToken cancellationToken = default) => _inner.GetInfoAsync(name, cancellationToken);

        public Task<IObjectWrite> StartWriteAsync(string name, CancellationToken cancellationToken = default) => _inner.StartWriteAsync(name, cancellationToken);

        public Task WriteAllBytesAsync(string name, ReadOnlyMemory<byte> content, CancellationToken cancellationToken = default) =>
            _inner.WriteAllBytesAsync(name, content, cancellationToken);

        public IAsyncEnumerable<StoredObject> ListAsync(string prefix, CancellationToken cancellationToken = default) => _inner.ListAsync(prefix, cancellationToken);

        public Task<bool> DeleteAsync(string name, CancellationToken cancellationToken = default) => _inner.DeleteAsync(name, cancellationToken);

        public Task<int> DeleteAbandonedWritesAsync(DateTimeOffset startedBefore, CancellationToken cancellationToken = default) =>
            _inner.DeleteAbandonedWritesAsync(startedBefore, cancellationToken);

        public string? LocalPathOf(string name) => null;

        public void Dispose() => _inner.Dispose();

        private void Record(long start, int count)
        {
            if (count > 0)
            {
                lock (_reads)
                {
                    _reads.Add((start, count));
                }
            }
        }

        private sealed class CountingStream(Stream inner, CountingStore store) : Stream
        {
            public override bool CanRead => true;
            public override bool CanSeek => true;
            public override bool CanWrite => false;
            public override long Length => inner.Length;
            public override long Position { get => inner.Position; set => inner.Position = value; }

            public override int Read(byte[] buffer, int offset, int count)
            {
                var start = inner.Position;
                var n = inner.Read(buffer, offset, count);
                store.Record(start, n);
                return n;
            }

            public override long Seek(long offset, SeekOrigin origin) => inner.Seek(offset, origin);
            public override void Flush() { }
            public override void SetLength(long value) => throw new NotSupportedException();
            public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

            protected override void Dispose(bool disposing)
            {
                if (disposing)
                {
                    inner.Dispose();
                }
                base.Dispose(disposing);
            }
        }

        /// <summary>Opens the object on the first read, as an S3 stream of known length fetches only then.</summary>
        private sealed class LazyStream(Func<Stream> open, long length) : Stream
        {
            private Stream? _inner;
            private long _position;

            public override bool CanRead => true;
            public override bool CanSeek => true;
            public override bool CanWrite => false;
            public override long Length => length;
            public override long Position { get => _position; set => _position = value; }

            public override int Read(byte[] buffer, int offset, int count)
            {
                _inner ??= open();
                _inner.Position = _position;
                var n = _inner.Read(buffer, offset, count);
                _position += n;
                return n;
            }

            public override long Seek(long offset, SeekOrigin origin) => _position = origin switch
            {
                SeekOrigin.Begin => offset,
                SeekOrigin.Current => _position + offset,
                _ => length + offset,
            };

            public override void Flush() { }
            public override void SetLength(long value) => throw new NotSupportedException();
            public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

            protected override void Dispose(bool disposing)
            {
                if (disposing)
                {
                    _inner?.Dispose();
                }
                base.Dispose(disposing);
            }
        }
    }
}
