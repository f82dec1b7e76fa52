using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Sleeper.Core.Storage;

namespace Sleeper.StateStore.LocalFiles;

/// <summary>
/// The storage port on a local folder, the instance folder of an embedded instance: an object is a file at its
/// name under the folder. Writes are staged in a hidden folder of the instance (<see cref="StagingFolderName"/>)
/// and linked into place on commit.
/// </summary>
/// <remarks>
/// <para>
/// Why a staging folder rather than a hidden file beside the target: listing then never has to recognise
/// half-written files, the sweep of abandoned writes looks in one place, and the staging folder is on the
/// same file system as every object (it is inside the instance), so commit is a link, not a copy.
/// </para>
/// <para>
/// Why link(2) rather than a move: a move without overwrite checks that the target is absent and then
/// renames, and a rename replaces whatever another process put there in between. A hard link fails with
/// EEXIST atomically, so a commit never replaces an object, as the port promises (the same reasoning as
/// <see cref="AtomicFiles"/>).
/// </para>
/// <para>
/// Durability: commit flushes the staged file to disk before linking it, and flushes the folder after, so an
/// object that a later commit of the state store names survives a power cut. A folder created for the object
/// has its parent flushed too. Deletes are not flushed: a delete lost in a power cut leaves a file no
/// transaction references, which orphan collection deletes again.
/// </para>
/// <para>
/// Names never leave the instance: besides the checks on the name's text, the real path of the deepest
/// existing folder on the way (every symbolic link followed) must be inside the instance's real path.
/// </para>
/// </remarks>
public sealed class LocalObjectStore : IObjectStore
{
    /// <summary>The hidden folder, directly in the instance folder, where writes are staged until committed.</summary>
    public const string StagingFolderName = ".staging";

    private const string TemporarySuffix = ".tmp";

    private readonly string _root;
    private readonly string _rootWithSeparator;
    private readonly string _realRootWithSeparator;
    private readonly string _stagingFolder;
    private readonly bool _flushToDisk;

    /// <param name="root">The instance folder; created if missing.</param>
    /// <param name="flushToDisk">
    /// Whether commits flush files and folders to stable storage. Only turn it off where losing recent writes
    /// in a power cut is acceptable (benchmarks of the rest of the system, throwaway instances).
    /// </param>
    public LocalObjectStore(string root, bool flushToDisk = true)
    {
        _root = Path.GetFullPath(root).TrimEnd(Path.DirectorySeparatorChar);
        Directory.CreateDirectory(_root);
        _rootWithSeparator = _root + Path.DirectorySeparatorChar;
        var realRoot = OperatingSystem.IsWindows() ? _root : PosixCalls.ResolveRealPath(_root) ?? _root;
        _realRootWithSeparator = realRoot.TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar;
        _stagingFolder = Path.Combine(_root, StagingFolderName);
        _flushToDisk = flushToDisk;
    }

    public string Location => _root;

    public Task<Stream> OpenReadAsync(string name, CancellationToken cancellationToken = default)
    {
        var path = Resolve(name);
        try
        {
            // FileShare.Delete: GC may delete a file a query still reads; the open handle keeps it readable.
            Stream stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, bufferSize: 1, FileOptions.RandomAccess);
            return Task.FromResult(stream);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new ObjectNotFoundException(Location, name);
        }
    }

    public Task<StoredObject?> GetInfoAsync(string name, CancellationToken cancellationToken = default)
    {
        var info = new FileInfo(Resolve(name));
        return Task.FromResult(info.Exists ? new StoredObject(name, info.Length, new DateTimeOffset(info.LastWriteTimeUtc)) : null);
    }

    public Task<IObjectWrite> StartWriteAsync(string name, CancellationToken cancellationToken = default)
    {
        var path = Resolve(name);
        Directory.CreateDirectory(_stagingFolder);
        var staging = Path.Combine(_stagingFolder, $"{Guid.NewGuid():N}-{Path.GetFileName(path)}{TemporarySuffix}");
        // Created now, empty, so the write exists even before a writer opens it and a sweep can see its age.
        File.Create(staging).Dispose();
        return Task.FromResult<IObjectWrite>(new LocalObjectWrite(this, name, path, staging));
    }

    public async Task WriteAllBytesAsync(string name, ReadOnlyMemory<byte> content, CancellationToken cancellationToken = default)
    {
        var path = Resolve(name);
        Directory.CreateDirectory(_stagingFolder);
        var staging = Path.Combine(_stagingFolder, $"{Guid.NewGuid():N}-{Path.GetFileName(path)}{TemporarySuffix}");
        try
        {
            await using (var stream = new FileStream(staging, FileMode.CreateNew, FileAccess.Write, FileShare.None, 4096, FileOptions.Asynchronous))
            {
                await stream.WriteAsync(content, cancellationToken).ConfigureAwait(false);
                stream.Flush(flushToDisk: _flushToDisk);
            }
            var folder = Path.GetDirectoryName(path)!;
            CreateFolder(folder);
            // A rename replaces atomically: readers see the old content or the new, never a mix.
            File.Move(staging, path, overwrite: true);
            FlushFolder(folder);
        }
        catch
        {
            DeleteQuietly(staging);
            throw;
        }
    }

    public async IAsyncEnumerable<StoredObject> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ObjectNames.CheckPrefix(prefix);
        var slash = prefix.LastIndexOf('/');
        var folderName = slash < 0 ? "" : prefix[..slash];
        var start = folderName.Length == 0 ? _root : Resolve(folderName);
        var found = new List<StoredObject>();
        if (Directory.Exists(start))
        {
            Walk(new DirectoryInfo(start), folderName.Length == 0 ? "" : folderName + "/", prefix, found, cancellationToken);
        }
        found.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
        foreach (var stored in found)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return stored;
        }
        await Task.CompletedTask.ConfigureAwait(false);
    }

    public Task<bool> DeleteAsync(string name, CancellationToken cancellationToken = default)
    {
        var info = new FileInfo(Resolve(name));
        if (!info.Exists)
        {
            return Task.FromResult(false);
        }
        try
        {
            info.Delete();
        }
        catch (DirectoryNotFoundException)
        {
            return Task.FromResult(false);
        }
        return Task.FromResult(true);
    }

    /// <remarks>
    /// Besides the staging folder, it deletes the hidden temporary files (<c>.&lt;name&gt;.&lt;id&gt;.tmp</c>)
    /// that <see cref="AtomicFiles"/> writes beside small files, and that earlier versions wrote beside data
    /// files: a process killed between writing one and renaming it leaves it behind. Age is the last write,
    /// which a write in progress keeps recent.
    /// </remarks>
    public Task<int> DeleteAbandonedWritesAsync(DateTimeOffset startedBefore, CancellationToken cancellationToken = default)
    {
        var cutoff = startedBefore.UtcDateTime;
        var deleted = 0;
        var root = new DirectoryInfo(_root);
        var stagingFolder = new DirectoryInfo(_stagingFolder);
        if (stagingFolder.Exists)
        {
            foreach (var file in stagingFolder.EnumerateFiles())
            {
                deleted += DeleteIfOlder(file, cutoff) ? 1 : 0;
            }
        }
        foreach (var file in root.EnumerateFiles("*" + TemporarySuffix, new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = FileAttributes.ReparsePoint, IgnoreInaccessible = true }))
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (file.Name.StartsWith('.') && file.DirectoryName != stagingFolder.FullName)
            {
                deleted += DeleteIfOlder(file, cutoff) ? 1 : 0;
            }
        }
        return Task.FromResult(deleted);
    }

    public string? LocalPathOf(string name) => Resolve(name);

    /// <summary>
    /// The path of a name, after checking that it stays in the instance: relative, '/'-separated, no empty,
    /// '.', '..' or hidden segment (hidden names are staging and temporary files), and no symbolic link on the
    /// way that leads out of the instance.
    /// </summary>
    private string Resolve(string name)
    {
        ObjectNames.Check(name);
        var path = Path.GetFullPath(Path.Combine(_root, name.Replace('/', Path.DirectorySeparatorChar)));
        if (!path.StartsWith(_rootWithSeparator, StringComparison.Ordinal))
        {
            throw new InvalidObjectNameException(name, $"it resolves outside the instance folder {_root}");
        }
        if (!OperatingSystem.IsWindows())
        {
            CheckRealPath(name, path);
        }
        return path;
    }

    private void CheckRealPath(string name, string path)
    {
        // The deepest part that exists decides: what is below it does not exist yet, so it cannot be a link.
        for (var existing = path; existing.Length >= _root.Length; existing = Path.GetDirectoryName(existing)!)
        {
            var real = PosixCalls.ResolveRealPath(existing);
            if (real is null)
            {
                continue;
            }
            if (!(real + Path.DirectorySeparatorChar).StartsWith(_realRootWithSeparator, StringComparison.Ordinal))
            {
                throw new InvalidObjectNameException(name, $"a symbolic link in it leads outside the instance folder {_root}, to {real}");
            }
            return;
        }
    }

    private void Walk(DirectoryInfo folder, string namePrefix, string prefix, List<StoredObject> found, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        IEnumerable<FileSystemInfo> entries;
        try
        {
            entries = folder.EnumerateFileSystemInfos().ToList();
        }
        catch (DirectoryNotFoundException)
        {
            return; // Deleted while the listing walked its parent.
        }
        foreach (var entry in entries)
        {
            if (entry.Name.StartsWith('.'))
            {
                // Staging and temporary files, and anything else hidden: never objects.
                continue;
            }
            var name = namePrefix + entry.Name;
            if (entry is DirectoryInfo sub)
            {
                var asFolder = name + "/";
                var relevant = asFolder.StartsWith(prefix, StringComparison.Ordinal) || prefix.StartsWith(asFolder, StringComparison.Ordinal);
                if (relevant && LeadsInside(sub))
                {
                    Walk(sub, asFolder, prefix, found, cancellationToken);
                }
            }
            else if (entry is FileInfo file && name.StartsWith(prefix, StringComparison.Ordinal))
            {
                try
                {
                    if (LeadsInside(file))
                    {
                        found.Add(new StoredObject(name, file.Length, new DateTimeOffset(file.LastWriteTimeUtc)));
                    }
                }
                catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
                {
                    // Deleted between the folder's listing and the look at the file (GC, or snapshots deleted behind
                    // a newer one): not there any more, so not listed.
                }
            }
        }
    }

    private bool LeadsInside(FileSystemInfo entry)
    {
        if (OperatingSystem.IsWindows() || entry.LinkTarget is null)
        {
            return true;
        }
        var real = PosixCalls.ResolveRealPath(entry.FullName);
        return real is not null && (real + Path.DirectorySeparatorChar).StartsWith(_realRootWithSeparator, StringComparison.Ordinal);
    }

    /// <summary>Creates a folder and any missing parents, flushing the parent of each one created so the new entries survive a power cut.</summary>
    private void CreateFolder(string folder)
    {
        if (Directory.Exists(folder))
        {
            return;
        }
        var missing = new Stack<string>();
        for (var f = folder; f.Length > _root.Length && !Directory.Exists(f); f = Path.GetDirectoryName(f)!)
        {
            missing.Push(f);
        }
        Directory.CreateDirectory(folder);
        foreach (var created in missing)
        {
            FlushFolder(Path.GetDirectoryName(created)!);
        }
    }

    private void FlushFolder(string folder)
    {
        if (_flushToDisk && !OperatingSystem.IsWindows())
        {
            PosixCalls.FsyncDirectory(folder);
        }
    }

    private void Commit(LocalObjectWrite write)
    {
        if (_flushToDisk)
        {
            using var staged = new FileStream(write.StagingPath, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite);
            staged.Flush(flushToDisk: true);
        }
        var folder = Path.GetDirectoryName(write.Path)!;
        CreateFolder(folder);
        if (OperatingSystem.IsWindows())
        {
            try
            {
                File.Move(write.StagingPath, write.Path, overwrite: false);
            }
            catch (IOException) when (File.Exists(write.Path))
            {
                throw new ObjectAlreadyExistsException(Location, write.Name);
            }
            return;
        }
        if (PosixCalls.Link(write.StagingPath, write.Path) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            if (errno == PosixCalls.EEXIST)
            {
                throw new ObjectAlreadyExistsException(Location, write.Name);
            }
            throw new IOException($"Cannot commit '{write.Name}' in {Location}: linking it from {write.StagingPath} failed (errno {errno}).");
        }
        FlushFolder(folder);
        DeleteQuietly(write.StagingPath);
    }

    private static bool DeleteIfOlder(FileInfo file, DateTime cutoffUtc)
    {
        try
        {
            if (file.LastWriteTimeUtc >= cutoffUtc)
            {
                return false;
            }
            file.Delete();
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static void DeleteQuietly(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A leftover staging file is never listed; the sweep of abandoned writes removes it.
        }
    }

    private sealed class LocalObjectWrite(LocalObjectStore store, string name, string path, string stagingPath) : IObjectWrite
    {
        private bool _committed;

        public string Name { get; } = name;
        public string Path { get; } = path;
        public string StagingPath { get; } = stagingPath;

        public Task CommitAsync(CancellationToken cancellationToken = default)
        {
            if (_committed)
            {
                throw new InvalidOperationException($"'{Name}' is already committed.");
            }
            cancellationToken.ThrowIfCancellationRequested();
            store.Commit(this);
            _committed = true;
            return Task.CompletedTask;
        }

        public ValueTask DisposeAsync()
        {
            if (!_committed)
            {
                DeleteQuietly(StagingPath);
            }
            return ValueTask.CompletedTask;
        }
    }
}
