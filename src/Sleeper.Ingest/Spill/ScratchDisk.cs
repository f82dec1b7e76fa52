using Sleeper.Core;

namespace Sleeper.Ingest.Spill;

/// <summary>
/// The local disk under the scratch folders. Spills are local files, not objects of the storage port: they live
/// only as long as one ingest or bulk import and are never read by another process. Every spill is opened for
/// writing here, so that a failure of that disk (most often, that it is full) is reported the same way by every
/// writer, and so that tests can make the disk fill up at a chosen moment.
/// </summary>
public class ScratchDisk
{
    /// <summary>The machine's own disk.</summary>
    public static ScratchDisk Local { get; } = new();

    /// <summary>Creates a new file for writing; it must not exist already.</summary>
    public virtual Stream CreateFile(string path) =>
        new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20);

    /// <summary>The error a failed spill is reported as: what failed, where, and what to do about it.</summary>
    public static ScratchWriteException WriteFailed(string folder, IOException e) => new(folder, e);
}

/// <summary>
/// A sorted run could not be written to the scratch folder. Nothing of the ingest or bulk import that was
/// spilling has been committed, and its scratch folder is removed as it unwinds.
/// </summary>
public sealed class ScratchWriteException(string folder, IOException cause)
    : SleeperException(Describe(folder, cause), cause)
{
    /// <summary>ENOSPC: the error number Linux gives a write to a full disk (.NET carries it as the HResult).</summary>
    private const int NoSpaceLeft = 28;

    public string Folder { get; } = folder;

    /// <summary>True when the disk was full, rather than failing some other way.</summary>
    public bool DiskFull { get; } = IsDiskFull(cause);

    private static bool IsDiskFull(IOException e) =>
        e.HResult == NoSpaceLeft || e.Message.Contains("No space left", StringComparison.OrdinalIgnoreCase);

    private static string Describe(string folder, IOException e) => IsDiskFull(e)
        ? $"The disk under the scratch folder {folder} is full, so rows that did not fit in memory could not be spilled. " +
          "Nothing of this input was committed. Free space there, set sleeper.ingest.scratch.folder to a folder on a bigger disk, " +
          "or ingest the input in smaller parts."
        : $"Cannot write a sorted run to the scratch folder {folder}: {e.Message}. Nothing of this input was committed.";
}
