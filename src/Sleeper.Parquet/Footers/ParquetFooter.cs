using System.Buffers.Binary;

namespace Sleeper.Parquet.Footers;

/// <summary>
/// The end of a Parquet file that a reader needs before anything else: the Thrift-encoded FileMetaData, its
/// 4-byte little-endian length and the magic <c>PAR1</c>, as <see cref="Tail"/>, with the file's length.
/// </summary>
internal sealed record ParquetFooter(long FileLength, byte[] Tail)
{
    private const int LengthAndMagic = 8;

    /// <summary>
    /// Reads the footer from the end of a seekable stream; null when the stream does not end like a plain Parquet
    /// file (too short, another magic such as an encrypted footer's <c>PARE</c>, an impossible length), so that the
    /// native reader, opened without it, reports what is wrong in its own words.
    /// </summary>
    public static async Task<ParquetFooter?> ReadAsync(Stream stream, CancellationToken cancellationToken)
    {
        var length = stream.Length;
        // The smallest Parquet file: the leading magic, a footer, its length and the trailing magic.
        if (length < 4 + LengthAndMagic + 1)
        {
            return null;
        }
        var end = new byte[LengthAndMagic];
        stream.Position = length - LengthAndMagic;
        await stream.ReadExactlyAsync(end, cancellationToken).ConfigureAwait(false);
        if (!end.AsSpan(4).SequenceEqual("PAR1"u8))
        {
            return null;
        }
        var metadataLength = BinaryPrimitives.ReadInt32LittleEndian(end);
        if (metadataLength <= 0 || metadataLength > length - 4 - LengthAndMagic)
        {
            return null;
        }
        var tail = new byte[metadataLength + LengthAndMagic];
        stream.Position = length - tail.Length;
        // Usually no request: the block the stream fetched for the last 8 bytes holds the footer too.
        await stream.ReadExactlyAsync(tail, cancellationToken).ConfigureAwait(false);
        stream.Position = 0;
        return new ParquetFooter(length, tail);
    }
}
