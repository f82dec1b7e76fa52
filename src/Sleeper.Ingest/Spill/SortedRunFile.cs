using Apache.Arrow;
using Apache.Arrow.Ipc;

namespace Sleeper.Ingest.Spill;

/// <summary>
/// A sorted run spilled to local disk as an Arrow IPC stream: no encoding or compression, so writing and
/// reading it back cost little more than copying memory. It is written in slices so that reading it back for
/// the merge holds only a slice at a time.
/// </summary>
public static class SortedRunFile
{
    public const string Extension = ".arrows";

    /// <summary>Writes a sorted batch as consecutive slices of at most <paramref name="sliceRows"/> rows; returns the bytes written.</summary>
    public static long Write(string path, RecordBatch sorted, int sliceRows)
    {
        using var stream = ScratchDisk.Local.CreateFile(path);
        return Write(stream, sorted, sliceRows);
    }

    /// <summary>As <see cref="Write(string, RecordBatch, int)"/>, to a stream the caller opened and disposes.</summary>
    public static long Write(Stream stream, RecordBatch sorted, int sliceRows)
    {
        using (var writer = new ArrowStreamWriter(stream, sorted.Schema, leaveOpen: true))
        {
            for (var start = 0; start < sorted.Length; start += sliceRows)
            {
                var length = Math.Min(sliceRows, sorted.Length - start);
                // The IPC writer writes only the slice's part of each buffer (offsets rebased), so no copy is made.
                writer.WriteRecordBatch(sorted.Slice(start, length));
            }
            writer.WriteEnd();
        }
        return stream.Length;
    }

    /// <summary>Writes sorted batches (a merge's output, disposed here) one after another; returns the bytes written.</summary>
    public static long Write(string path, IEnumerable<RecordBatch> sorted)
    {
        using var stream = ScratchDisk.Local.CreateFile(path);
        return Write(stream, sorted);
    }

    /// <summary>As <see cref="Write(string, IEnumerable{RecordBatch})"/>, to a stream the caller opened and disposes.</summary>
    public static long Write(Stream stream, IEnumerable<RecordBatch> sorted)
    {
        ArrowStreamWriter? writer = null;
        try
        {
            foreach (var batch in sorted)
            {
                using (batch)
                {
                    writer ??= new ArrowStreamWriter(stream, batch.Schema, leaveOpen: true);
                    writer.WriteRecordBatch(batch);
                }
            }
            writer?.WriteEnd();
        }
        finally
        {
            writer?.Dispose();
        }
        return stream.Length;
    }

    /// <summary>Reads a run back batch by batch; the caller owns (and disposes) each batch.</summary>
    public static IEnumerable<RecordBatch> Read(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
        using var reader = new ArrowStreamReader(stream);
        while (reader.ReadNextRecordBatch() is { } batch)
        {
            yield return batch;
        }
    }
}
