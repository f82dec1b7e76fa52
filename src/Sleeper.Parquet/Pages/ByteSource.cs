using Microsoft.Win32.SafeHandles;

namespace Sleeper.Parquet.Pages;

/// <summary>Reads byte ranges of one data file, for one query: by a local file handle, or through the store's seekable stream.</summary>
internal abstract class ByteSource : IDisposable
{
    public abstract long Length { get; }

    public async ValueTask<byte[]> ReadAsync(long offset, int length, CancellationToken cancellationToken)
    {
        var buffer = new byte[length];
        await ReadAsync(offset, buffer, cancellationToken).ConfigureAwait(false);
        return buffer;
    }

    /// <summary>Fills the buffer from the offset.</summary>
    public abstract ValueTask ReadAsync(long offset, Memory<byte> buffer, CancellationToken cancellationToken);

    public abstract void Dispose();
}

/// <summary>
/// A local file, opened once: once open, a garbage collector deleting the file no longer matters to this reader
/// (the data stays until the handle closes). Reads are positional, so one handle serves reads in any order.
/// </summary>
internal sealed class FileByteSource(SafeFileHandle handle) : ByteSource
{
    public override long Length { get; } = RandomAccess.GetLength(handle);

    public override ValueTask ReadAsync(long offset, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        var length = buffer.Length;
        var done = 0;
        while (done < length)
        {
            // Synchronous: on a warm file it is a copy from the page cache, far cheaper than a hop to the thread pool.
            var n = RandomAccess.Read(handle, buffer.Span[done..], offset + done);
            if (n == 0)
            {
                throw new EndOfStreamException($"The file ended at {offset + done} while reading {length} bytes at {offset}.");
            }
            done += n;
        }
        return ValueTask.CompletedTask;
    }

    public override void Dispose() => handle.Dispose();
}

/// <summary>An object read through the store's stream (S3: each read it cannot answer from its blocks is a ranged GET).</summary>
internal sealed class StreamByteSource(Stream stream) : ByteSource
{
    private readonly SemaphoreSlim _lock = new(1, 1);

    public override long Length => stream.Length;

    public override async ValueTask ReadAsync(long offset, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        await _lock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            stream.Position = offset;
            await stream.ReadExactlyAsync(buffer, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _lock.Release();
        }
    }

    public override void Dispose()
    {
        stream.Dispose();
        _lock.Dispose();
    }
}
