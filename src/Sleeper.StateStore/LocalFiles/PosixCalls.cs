using System.Runtime.InteropServices;

namespace Sleeper.StateStore.LocalFiles;

/// <summary>The few system calls the runtime does not expose with the semantics local files need here.</summary>
internal static partial class PosixCalls
{
    // The same values on Linux and macOS.
    public const int EEXIST = 17;
    public const int ENOENT = 2;
    public const int ENOTDIR = 20;

    private const int O_RDONLY = 0;

    /// <summary>A hard link that fails with EEXIST if the new name exists: the one atomic put-if-absent of a whole file.</summary>
    [LibraryImport("libc", EntryPoint = "link", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Link(string existingPath, string newPath);

    [LibraryImport("libc", EntryPoint = "realpath", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial IntPtr RealPath(string path, IntPtr resolved);

    [LibraryImport("libc", EntryPoint = "free")]
    private static partial void Free(IntPtr pointer);

    /// <summary>
    /// The path with every symbolic link in it followed, or null when some part of it does not exist. The
    /// runtime only resolves a link at the end of a path, not links among its folders.
    /// </summary>
    public static string? ResolveRealPath(string path)
    {
        var resolved = RealPath(path, IntPtr.Zero);
        if (resolved == IntPtr.Zero)
        {
            var errno = Marshal.GetLastPInvokeError();
            return errno is ENOENT or ENOTDIR ? null : throw new IOException($"Cannot resolve the real path of '{path}' (errno {errno}).");
        }
        try
        {
            return Marshal.PtrToStringUTF8(resolved);
        }
        finally
        {
            Free(resolved);
        }
    }

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags, int mode);

    [LibraryImport("libc", EntryPoint = "write", SetLastError = true)]
    private static unsafe partial nint Write(int fd, byte* buffer, nint count);

    // Linux values (the only platform the appends below run on; others use the runtime's own append).
    private const int O_WRONLY = 1;
    private const int O_CREAT = 64;
    private const int O_APPEND = 1024;
    private const int O_CLOEXEC = 524288;

    /// <summary>
    /// Appends <paramref name="content"/> to the end of the file in one write of a file opened with O_APPEND, so
    /// that writers in several threads or processes never overwrite each other: the kernel places each write at
    /// the end as it is then. The runtime's <see cref="FileMode.Append"/> does not use O_APPEND; it writes at the
    /// offset it found on opening, which another writer may have used meanwhile.
    /// </summary>
    public static unsafe void AppendToFile(string path, ReadOnlySpan<byte> content)
    {
        var fd = Open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, Convert.ToInt32("644", 8));
        if (fd < 0)
        {
            throw new IOException($"Cannot open '{path}' to append to it (errno {Marshal.GetLastPInvokeError()}).");
        }
        try
        {
            fixed (byte* start = content)
            {
                var written = Write(fd, start, content.Length);
                if (written != content.Length)
                {
                    throw new IOException(written < 0
                        ? $"Cannot append to '{path}' (errno {Marshal.GetLastPInvokeError()})."
                        : $"Only {written} of {content.Length} bytes were appended to '{path}' (the disk may be full).");
                }
            }
        }
        finally
        {
            _ = Close(fd);
        }
    }

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);

    /// <summary>
    /// Flushes a folder's entries, so a name just linked or renamed into it survives a power cut. The runtime
    /// cannot open a folder as a file, hence the direct calls.
    /// </summary>
    public static void FsyncDirectory(string path)
    {
        var fd = Open(path, O_RDONLY);
        if (fd < 0)
        {
            throw new IOException($"Cannot open folder '{path}' to flush it (errno {Marshal.GetLastPInvokeError()}).");
        }
        try
        {
            if (Fsync(fd) != 0)
            {
                throw new IOException($"Cannot flush folder '{path}' (errno {Marshal.GetLastPInvokeError()}).");
            }
        }
        finally
        {
            _ = Close(fd);
        }
    }
}
