namespace Sleeper.StateStore.LocalFiles;

/// <summary>
/// Whole-file writes that readers see entirely or not at all: the content goes to a unique temporary file in
/// the same folder, is flushed to disk, and only then gets its real name.
/// </summary>
public static class AtomicFiles
{
    /// <summary>
    /// Creates <paramref name="path"/> with the given content only if no file of that name exists, safely against
    /// other threads and processes on this machine. Returns false if the name was taken.
    /// </summary>
    /// <remarks>
    /// File.Move without overwrite is not enough on Unix: the runtime checks that the target is absent and then
    /// renames, and a rename replaces whatever another process put there in between. A hard link fails
    /// atomically instead. On Windows a move without overwrite is already atomic and fails if the name exists.
    /// </remarks>
    public static async Task<bool> TryCreateAsync(string path, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        var temp = await WriteTempAsync(path, content, cancellationToken);
        try
        {
            if (OperatingSystem.IsWindows())
            {
                try
                {
                    File.Move(temp, path, overwrite: false);
                }
                catch (IOException) when (File.Exists(path))
                {
                    return false;
                }
                return true;
            }
            if (PosixCalls.Link(temp, path) != 0)
            {
                var errno = System.Runtime.InteropServices.Marshal.GetLastPInvokeError();
                if (errno == PosixCalls.EEXIST)
                {
                    return false;
                }
                throw new IOException($"Cannot create '{path}': linking it from its temporary file failed (errno {errno}).");
            }
            PosixCalls.FsyncDirectory(Path.GetDirectoryName(path)!);
            return true;
        }
        finally
        {
            File.Delete(temp);
        }
    }

    /// <summary>
    /// Appends a record (a JSON line, say) to the end of <paramref name="path"/>, creating the file if needed, in
    /// one write that no other appender, in this process or another, can overwrite or split. Not flushed to disk:
    /// for logs whose loss in a power cut costs history, not data.
    /// </summary>
    public static void Append(string path, ReadOnlySpan<byte> record)
    {
        if (OperatingSystem.IsWindows())
        {
            // Windows' FILE_APPEND_DATA, which the runtime uses for FileMode.Append there, appends atomically.
            using var stream = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete, bufferSize: 0);
            stream.Write(record);
            return;
        }
        PosixCalls.AppendToFile(path, record);
    }

    /// <summary>Writes <paramref name="path"/> whole, replacing any file of that name.</summary>
    public static async Task ReplaceAsync(string path, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        var temp = await WriteTempAsync(path, content, cancellationToken);
        try
        {
            File.Move(temp, path, overwrite: true);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
        if (!OperatingSystem.IsWindows())
        {
            PosixCalls.FsyncDirectory(Path.GetDirectoryName(path)!);
        }
    }

    /// <summary>
    /// Creates a folder and any missing parents, flushing the parent of each one created, so that a file
    /// flushed into it later is not lost with the folder's own entry in a power cut.
    /// </summary>
    public static void CreateDirectoryDurably(string path)
    {
        path = Path.GetFullPath(path).TrimEnd(Path.DirectorySeparatorChar);
        if (Directory.Exists(path))
        {
            return;
        }
        var missing = new Stack<string>();
        for (var f = path; !string.IsNullOrEmpty(f) && !Directory.Exists(f); f = Path.GetDirectoryName(f))
        {
            missing.Push(f);
        }
        Directory.CreateDirectory(path);
        if (OperatingSystem.IsWindows())
        {
            return;
        }
        foreach (var created in missing)
        {
            PosixCalls.FsyncDirectory(Path.GetDirectoryName(created)!);
        }
    }

    /// <summary>Whether a name in a folder is one of the temporary files written here.</summary>
    public static bool IsTemporary(string fileName) => fileName.StartsWith('.') && fileName.EndsWith(".tmp", StringComparison.Ordinal);

    private static async Task<string> WriteTempAsync(string path, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        // A leading dot and a unique suffix keep it out of the way of readers, who only open exact names.
        var temp = Path.Combine(Path.GetDirectoryName(path)!, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
        try
        {
            await using var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 4096, FileOptions.Asynchronous);
            await stream.WriteAsync(content, cancellationToken);
            stream.Flush(flushToDisk: true);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
        return temp;
    }
}
