using Apache.Arrow;
using Apache.Arrow.Ipc;
using Sleeper.Ingest.Spill;

namespace Sleeper.BulkImport.Spilling;

/// <summary>
/// A private scratch folder for sorted runs that did not fit in memory, written as uncompressed Arrow IPC
/// streams (far cheaper to write and read back than Parquet; they live only for one import). The folder and
/// everything in it is deleted on dispose, whether the import succeeded or not; the folders of processes
/// killed before they could do so are removed by the next one (<see cref="ScratchFolderLeftovers"/>).
/// </summary>
public sealed class SpillFolder : IDisposable
{
    private readonly ScratchDisk _disk;
    private int _runs;

    /// <param name="root">Where to make the folder; the system's temporary folder when null.</param>
    /// <param name="disk">The disk the folder is on; the machine's own when null.</param>
    public SpillFolder(string? root, ScratchDisk? disk = null)
    {
        _disk = disk ?? ScratchDisk.Local;
        var parent = string.IsNullOrEmpty(root) ? System.IO.Path.GetTempPath() : root;
        Path = ScratchFolderLeftovers.NewPath(parent, Prefix);
        // A bulk import killed while it spilled could not remove its folder; the next one does.
        ScratchFolderLeftovers.Remove(parent, Prefix);
    }

    /// <summary>How the folders' names begin: <c>sleeper-bulk-import-&lt;pid&gt;-&lt;guid&gt;</c>.</summary>
    public const string Prefix = LocalScratchSpace.BulkImportPrefix;

    public string Path { get; }

    public int RunsWritten => _runs;

    /// <summary>Writes one sorted run; returns its path. The batches are disposed once written.</summary>
    public async Task<string> WriteRunAsync(int leaf, Schema schema, IEnumerable<RecordBatch> sortedBatches, CancellationToken cancellationToken)
    {
        var path = System.IO.Path.Combine(Path, $"leaf-{leaf}-run-{Interlocked.Increment(ref _runs)}.arrows");
        try
        {
            Directory.CreateDirectory(Path);
            await using var stream = _disk.CreateFile(path);
            using var writer = new ArrowStreamWriter(stream, schema, leaveOpen: true);
            foreach (var batch in sortedBatches)
            {
                using (batch)
                {
                    await writer.WriteRecordBatchAsync(batch, cancellationToken).ConfigureAwait(false);
                }
            }
            await writer.WriteEndAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (IOException e)
        {
            throw ScratchDisk.WriteFailed(System.IO.Path.GetDirectoryName(Path)!, e);
        }
        return path;
    }

    /// <summary>Reads a run back, a batch at a time; the caller owns each batch.</summary>
    public static IEnumerable<RecordBatch> ReadRun(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
        using var reader = new ArrowStreamReader(stream);
        while (reader.ReadNextRecordBatch() is { } batch)
        {
            yield return batch;
        }
    }

    public void Dispose()
    {
        try
        {
            if (Directory.Exists(Path))
            {
                Directory.Delete(Path, recursive: true);
            }
        }
        catch (IOException)
        {
            // Nothing refers to a leftover scratch file; the temp folder's own cleanup removes it.
        }
    }
}
