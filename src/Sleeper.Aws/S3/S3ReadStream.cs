namespace Sleeper.Aws.S3;

/// <summary>
/// A seekable, read-only stream over an S3 object that fetches it in aligned blocks with ranged GETs.
/// </summary>
/// <remarks>
/// <para>
/// Why blocks and a small cache rather than one GET per read: Parquet readers and <see cref="Stream.CopyToAsync(Stream)"/>
/// read in pieces of a few kilobytes, and a request per piece costs a round trip each. A block of
/// <see cref="S3ObjectStoreOptions.ReadBlockSize"/> answers many reads; the least recently used blocks are
/// dropped beyond <see cref="S3ObjectStoreOptions.ReadCacheBlocks"/>, so memory stays at a few MiB.
/// </para>
/// <para>
/// Read-ahead: when a read moves into the block after the one read before (a sequential read), the next block
/// is fetched in the background, so a sequential reader rarely waits for a round trip. A read of at least a
/// block that is not cached (a Parquet reader's coalesced column chunks) goes straight to one GET of exactly
/// that range, without passing through the cache.
/// </para>
/// <para>
/// The synchronous <see cref="Read(Span{byte})"/> blocks on the asynchronous path: the native Parquet reader
/// calls it from its own threads and has no asynchronous interface. Calls are serialised by a gate, since the
/// native reader may call from more than one thread.
/// </para>
/// </remarks>
internal sealed class S3ReadStream : Stream
{
    private readonly Func<long, int, CancellationToken, Task<byte[]>> _fetch;
    private readonly int _blockSize;
    private readonly int _maxBlocks;
    private readonly Dictionary<long, Task<byte[]>> _blocks = [];
    private readonly LinkedList<long> _recent = new();
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly CancellationTokenSource _disposed = new();
    private long _position;
    private long _lastBlock = -2;
    private bool _isDisposed;

    /// <param name="length">The object's length, from its HEAD.</param>
    /// <param name="fetch">Fetches <c>count</c> bytes from an offset with one ranged GET (retrying transient errors itself).</param>
    public S3ReadStream(long length, int blockSize, int maxBlocks, Func<long, int, CancellationToken, Task<byte[]>> fetch)
    {
        Length = length;
        _blockSize = blockSize;
        _maxBlocks = maxBlocks;
        _fetch = fetch;
    }

    public override bool CanRead => !_isDisposed;

    public override bool CanSeek => !_isDisposed;

    public override bool CanWrite => false;

    public override long Length { get; }

    public override long Position
    {
        get => _position;
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            _position = value;
        }
    }

    public override long Seek(long offset, SeekOrigin origin)
    {
        ObjectDisposedException.ThrowIf(_isDisposed, this);
        _position = Sleeper.Core.Storage.StreamSeek.Target(offset, origin, _position, Length);
        return _position;
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        // A pooled array rather than the span: the span cannot cross an await.
        var rented = System.Buffers.ArrayPool<byte>.Shared.Rent(buffer.Length);
        try
        {
            var read = ReadAsync(rented.AsMemory(0, buffer.Length), CancellationToken.None).AsTask().GetAwaiter().GetResult();
            rented.AsSpan(0, read).CopyTo(buffer);
            return read;
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(rented);
        }
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <summary>Fills as much of <paramref name="buffer"/> as the object has left from the position (never a short read before the end).</summary>
    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_isDisposed, this);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_position >= Length || buffer.Length == 0)
            {
                return 0;
            }
            var count = (int)Math.Min(buffer.Length, Length - _position);
            var firstBlock = _position / _blockSize;
            if (count >= _blockSize && !_blocks.ContainsKey(firstBlock))
            {
                var direct = await _fetch(_position, count, cancellationToken).ConfigureAwait(false);
                direct.CopyTo(buffer);
                _position += count;
                _lastBlock = (_position - 1) / _blockSize;
                return count;
            }
            var done = 0;
            while (done < count)
            {
                var block = _position / _blockSize;
                var data = await BlockAsync(block, cancellationToken).ConfigureAwait(false);
                var offset = (int)(_position - block * _blockSize);
                var n = Math.Min(count - done, data.Length - offset);
                if (n <= 0)
                {
                    throw new IOException($"The object ended at {block * _blockSize + data.Length} bytes, before its length of {Length} bytes: it changed while it was read.");
                }
                data.AsMemory(offset, n).CopyTo(buffer[done..]);
                done += n;
                _position += n;
                if (block == _lastBlock + 1)
                {
                    Prefetch(block + 1);
                }
                _lastBlock = block;
            }
            return done;
        }
        finally
        {
            _gate.Release();
        }
    }

    public override void Flush()
    {
    }

    public override void SetLength(long value) => throw new NotSupportedException("An object read from S3 is read-only.");

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException("An object read from S3 is read-only.");

    protected override void Dispose(bool disposing)
    {
        if (disposing && !_isDisposed)
        {
            _isDisposed = true;
            _disposed.Cancel();
            foreach (var pending in _blocks.Values)
            {
                Observe(pending);
            }
            _blocks.Clear();
            // Not disposed: a read-ahead still in flight holds its token, and a source without timers needs no disposal.
        }
        base.Dispose(disposing);
    }

    private async Task<byte[]> BlockAsync(long block, CancellationToken cancellationToken)
    {
        if (_blocks.TryGetValue(block, out var cached))
        {
            Touch(block);
            try
            {
                return await cached.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception) when (!cancellationToken.IsCancellationRequested)
            {
                // A read-ahead that failed (or was cut short) is not this read's failure: fetch again in the foreground.
                Forget(block);
            }
        }
        var fetched = Fetch(block, cancellationToken);
        Remember(block, fetched);
        try
        {
            return await fetched.ConfigureAwait(false);
        }
        catch
        {
            Forget(block);
            throw;
        }
    }

    private void Prefetch(long block)
    {
        if (block * _blockSize >= Length || _blocks.ContainsKey(block))
        {
            return;
        }
        var task = Fetch(block, _disposed.Token);
        Observe(task);
        Remember(block, task);
    }

    private Task<byte[]> Fetch(long block, CancellationToken cancellationToken)
    {
        var start = block * _blockSize;
        var count = (int)Math.Min(_blockSize, Length - start);
        return _fetch(start, count, cancellationToken);
    }

    private void Remember(long block, Task<byte[]> task)
    {
        _blocks[block] = task;
        Touch(block);
        while (_recent.Count > _maxBlocks)
        {
            var oldest = _recent.Last!.Value;
            _recent.RemoveLast();
            _blocks.Remove(oldest);
        }
    }

    private void Touch(long block)
    {
        _recent.Remove(block);
        _recent.AddFirst(block);
    }

    private void Forget(long block)
    {
        _blocks.Remove(block);
        _recent.Remove(block);
    }

    /// <summary>Keeps a background fetch's failure from surfacing as an unobserved task exception.</summary>
    private static void Observe(Task task) =>
        task.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
}
