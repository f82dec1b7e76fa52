using System.Runtime.CompilerServices;
using Sleeper.Core.Storage;

namespace Sleeper.TestSupport;

/// <summary>
/// A minimal stand-in for the embedded adapter of <see cref="IObjectStore"/>, for tests: objects are files
/// under a folder, and a write is staged where today's writers stage theirs, a hidden
/// <c>.&lt;name&gt;.&lt;guid&gt;.tmp</c> file beside its target, so that abandoned writes of the real jobs are
/// what <see cref="DeleteAbandonedWritesAsync"/> finds. Times are the files' own.
/// </summary>
public sealed class FolderObjectStore(string root) : IObjectStore
{
    private readonly string _root = Path.GetFullPath(root);

    public string Location => _root;

    public Task<Stream> OpenReadAsync(string name, CancellationToken cancellationToken = default)
    {
        var path = PathOf(name);
        return File.Exists(path)
            ? Task.FromResult<Stream>(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete))
            : throw new ObjectNotFoundException(Location, name);
    }

    public Task<StoredObject?> GetInfoAsync(string name, CancellationToken cancellationToken = default)
    {
        var info = new FileInfo(PathOf(name));
        return Task.FromResult(info.Exists ? new StoredObject(name, info.Length, info.LastWriteTimeUtc) : null);
    }

    public Task<IObjectWrite> StartWriteAsync(string name, CancellationToken cancellationToken = default)
    {
        var path = PathOf(name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        return Task.FromResult<IObjectWrite>(new Write(this, name, path, StagingBeside(path)));
    }

    public async Task WriteAllBytesAsync(string name, ReadOnlyMemory<byte> content, CancellationToken cancellationToken = default)
    {
        var path = PathOf(name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var staging = StagingBeside(path);
        await File.WriteAllBytesAsync(staging, content.ToArray(), cancellationToken);
        File.Move(staging, path, overwrite: true);
    }

    public async IAsyncEnumerable<StoredObject> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await Task.Yield();
        if (!Directory.Exists(_root))
        {
            yield break;
        }
        var found = new List<StoredObject>();
        foreach (var path in Directory.EnumerateFiles(_root, "*", SearchOption.AllDirectories))
        {
            var name = Path.GetRelativePath(_root, path).Replace(Path.DirectorySeparatorChar, '/');
            if (name.StartsWith(prefix, StringComparison.Ordinal) && !IsStaging(Path.GetFileName(path)))
            {
                var info = new FileInfo(path);
                found.Add(new StoredObject(name, info.Length, info.LastWriteTimeUtc));
            }
        }
        foreach (var o in found.OrderBy(o => o.Name, StringComparer.Ordinal))
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return o;
        }
    }

    public Task<bool> DeleteAsync(string name, CancellationToken cancellationToken = default)
    {
        var path = PathOf(name);
        if (!File.Exists(path))
        {
            return Task.FromResult(false);
        }
        File.Delete(path);
        return Task.FromResult(true);
    }

    public Task<int> DeleteAbandonedWritesAsync(DateTimeOffset startedBefore, CancellationToken cancellationToken = default)
    {
        var deleted = 0;
        if (Directory.Exists(_root))
        {
            foreach (var path in Directory.EnumerateFiles(_root, "*", SearchOption.AllDirectories))
            {
                if (IsStaging(Path.GetFileName(path)) && File.GetLastWriteTimeUtc(path) < startedBefore.UtcDateTime)
                {
                    File.Delete(path);
                    deleted++;
                }
            }
        }
        return Task.FromResult(deleted);
    }

    public string? LocalPathOf(string name) => PathOf(name);

    private static bool IsStaging(string fileName) => fileName.StartsWith('.') && fileName.EndsWith(".tmp", StringComparison.Ordinal);

    private static string StagingBeside(string path) =>
        Path.Combine(Path.GetDirectoryName(path)!, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");

    private string PathOf(string name)
    {
        if (string.IsNullOrEmpty(name) || Path.IsPathRooted(name) || name.Split('/').Contains(".."))
        {
            throw new InvalidObjectNameException(name, "it must be a relative name with no '..' segment");
        }
        return Path.Combine(_root, name.Replace('/', Path.DirectorySeparatorChar));
    }

    private sealed class Write(FolderObjectStore store, string name, string path, string staging) : IObjectWrite
    {
        private bool _committed;

        public string Name => name;

        public string StagingPath => staging;

        public Task CommitAsync(CancellationToken cancellationToken = default)
        {
            if (File.Exists(path))
            {
                throw new ObjectAlreadyExistsException(store.Location, name);
            }
            File.Move(staging, path);
            _committed = true;
            return Task.CompletedTask;
        }

        public ValueTask DisposeAsync()
        {
            if (!_committed && File.Exists(staging))
            {
                File.Delete(staging);
            }
            return ValueTask.CompletedTask;
        }
    }
}
