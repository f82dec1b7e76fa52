namespace Sleeper.Ingest.Spill;

/// <summary>
/// A private folder for one ingest's sorted runs. Disposing removes it with everything in it, so spills never
/// outlive the ingest that made them, whether it succeeded or failed.
/// </summary>
public sealed class ScratchFolder : IDisposable
{
    private int _next;

    /// <param name="parent">Where to make the folder; the system's temporary folder when null.</param>
    public ScratchFolder(string? parent)
    {
        Path = System.IO.Path.Combine(string.IsNullOrEmpty(parent) ? System.IO.Path.GetTempPath() : parent, "sleeper-ingest-" + Guid.NewGuid().ToString("N"));
        try
        {
            Directory.CreateDirectory(Path);
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
