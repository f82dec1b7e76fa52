namespace Sleeper.Parquet.Footers;

/// <summary>
/// A seekable read-only stream over a Parquet object that answers reads of its footer from memory and passes
/// every other read to the store's stream, so a reader opened on it fetches only the row groups it reads.
/// </summary>
/// <remarks>
/// The native reader is told to read exactly the footer's length from the end (ReaderProperties' footer read
/// size), so its first read falls wholly inside <see cref="ParquetFooter.Tail"/>. Reads are filled completely up
/// to the end of the object, as the native reader expects. Calls come one at a time: the native reader serialises
/// its positioned reads on one file behind a lock of its own.
/// </remarks>
internal sealed class FooterServingStream(Stream inner, ParquetFooter footer) : Stream
{
    private readonly long _tailStart = footer.FileLength - footer.Tail.Length;
    private long _position;

    public override bool CanRead => inner.CanRead;

    public override bool CanSeek => inner.CanSeek;

    public override bool CanWrite => false;

    public override long Length => footer.FileLength;

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
        _position = Sleeper.Core.Storage.StreamSeek.Target(offset, origin, _position, Length);
        return _position;
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var count = Available(buffer.Length);
        var done = 0;
        while (done < count && _position + done < _tailStart)
        {
            inner.Position = _position + done;
            var n = inner.Read(buffer.Slice(done, (int)Math.Min(count - done, _tailStart - _position - done)));
            if (n == 0)
            {
                throw Truncated();
            }
            done += n;
        }
        done += FromTail(buffer[done..count], _position + done);
        _position += done;
        return done;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var count = Available(buffer.Length);
        var done = 0;
        while (done < count && _position + done < _tailStart)
        {
            inner.Position = _position + done;
            var n = await inner.ReadAsync(buffer.Slice(done, (int)Math.Min(count - done, _tailStart - _position - done)), cancellationToken).ConfigureAwait(false);
            if (n == 0)
            {
                throw Truncated();
            }
            done += n;
        }
        done += FromTail(buffer.Span[done..count], _position + done);
        _position += done;
        return done;
    }

    public override void Flush()
    {
    }

    public override void SetLength(long value) => throw new NotSupportedException("A Parquet object is read-only.");

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException("A Parquet object is read-only.");

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }
        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        await inner.DisposeAsync().ConfigureAwait(false);
        await base.DisposeAsync().ConfigureAwait(false);
    }

    private int Available(int wanted) => (int)Math.Max(0, Math.Min(wanted, Length - _position));

    /// <summary>Copies the part of the tail from <paramref name="from"/> into <paramref name="target"/>, which lies wholly in the tail.</summary>
    private int FromTail(Span<byte> target, long from)
    {
        if (target.Length == 0)
        {
            return 0;
        }
        footer.Tail.AsSpan((int)(from - _tailStart), target.Length).CopyTo(target);
        return target.Length;
    }

    private static IOException Truncated() =>
        new("The object ended before its known length: it is not the file whose footer was cached.");
}
