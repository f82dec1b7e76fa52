namespace Sleeper.Ingest.Spill;

/// <summary>
/// A private folder for one ingest's sorted runs. Disposing removes it with everything in it, so spills never
/// outlive the ingest that made them, whether it succeeded or failed. A process killed mid-ingest cannot
/// remove its folder, so each new one removes those of processes that are gone (<see cref="ScratchFolderLeftovers"/>).
/// </summary>
public sealed class ScratchFolder : IDisposable
{
    /// <summary>How the folders' names begin: <c>sleeper-ingest-&lt;pid&gt;-&lt;guid&gt;</c>.</summary>
    public const string Prefix = "sleeper-ingest-";

    private readonly ScratchDisk _disk;
    private int _next;

    /// <param name="parent">Where to make the folder; the system's temporary folder when null.</param>
    /// <param name="disk">The disk the folder is on; the machine's own when null.</param>
    public ScratchFolder(string? parent, ScratchDisk? disk = null)
    {
        _disk = disk ?? ScratchDisk.Local;
        var root = string.IsNullOrEmpty(parent) ? System.IO.Path.GetTempPath() : parent;
        Path = ScratchFolderLeftovers.NewPath(root, Prefix);
        try
        {
            Directory.CreateDirectory(Path);
            ScratchFolderLeftovers.Remove(root, Prefix);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new Core.SleeperException($"Cannot make the ingest scratch folder {Path}: {e.Message} (set sleeper.ingest.scratch.folder to a writable local folder).", e);
        }
    }

    public string Path { get; }

    /// <summary>A new file name in the folder; the file itself is not made.</summary>
    public string NewFile(string extension) =>
        System.IO.Path.Combine(Path, $"run-{Interlocked.Increment(ref _next):D5}{extension}");

    /// <summary>
    /// Writes a new file of the folder through <paramref name="write"/>, which returns the bytes it wrote; a
    /// failure of the disk is reported as a <see cref="ScratchWriteException"/> that says what to do about it.
    /// </summary>
    public long Write(string path, Func<Stream, long> write)
    {
        try
        {
            using var stream = _disk.CreateFile(path);
            return write(stream);
        }
        catch (IOException e)
        {
            throw ScratchDisk.WriteFailed(System.IO.Path.GetDirectoryName(Path)!, e);
        }
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Nothing better to do while already unwinding; the folder's name says what it was.
        }
    }
}
