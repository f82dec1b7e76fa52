using System.Text;
using Sleeper.Core.Text;

namespace Sleeper.Ingest.Input;

/// <summary>
/// A read-only stream that passes its bytes through a <see cref="Utf8Validator"/> as they are read, so a text
/// input that is not UTF-8 fails naming its line and byte offset before any of its rows is stored, instead of
/// being decoded into replacement characters. The check works on whole read buffers, so it costs little.
/// </summary>
public sealed class Utf8CheckingStream(Stream inner, string source) : Stream
{
    private readonly Utf8Validator _validator = new(source);

    /// <summary>A reader of UTF-8 text from <paramref name="stream"/> that throws <see cref="Sleeper.Core.InvalidUtf8Exception"/> at the first byte that is not UTF-8.</summary>
    public static TextReader Reader(Stream stream, string source) =>
        // The strict encoding is a second guard; the checking stream finds bad bytes first and can say where. A UTF-16
        // byte order mark is not UTF-8, so the stream rejects it before the reader could switch to UTF-16.
        new StreamReader(new Utf8CheckingStream(stream, source), new UTF8Encoding(false, throwOnInvalidBytes: true),
            detectEncodingFromByteOrderMarks: true, bufferSize: 64 * 1024);

    /// <summary>Opens a file as checked UTF-8 text.</summary>
    public static TextReader OpenFile(string path) =>
        Reader(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.SequentialScan), path);

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var n = inner.Read(buffer);
        Check(buffer[..n]);
        return n;
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var n = await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        Check(buffer.Span[..n]);
        return n;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    private void Check(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length == 0)
        {
            _validator.Complete();
        }
        else
        {
            _validator.Append(bytes);
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }
        base.Dispose(disposing);
    }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
