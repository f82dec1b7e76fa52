using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Sleeper.Core.Storage;

namespace Sleeper.TestSupport;

/// <summary>
/// The storage port with objects held in memory and no local paths (<see cref="LocalPathOf"/> is null), as
/// an object store behaves: tests run jobs on it to show they need nothing but the port. Staging files are
/// local temporary files, as the port requires.
/// </summary>
public sealed class InMemoryObjectStore : IObjectStore, IDisposable
{
    private readonly ConcurrentDictionary<string, (byte[] Content, DateTimeOffset Time)> _objects = new(StringComparer.Ordinal);
    private readonly Lazy<TempFolder> _staging = new(() => new TempFolder());

    public string Location => "memory://test";

    /// <summary>Every object's name, in order.</summary>
    public IReadOnlyList<string> Names => _objects.Keys.Order(StringComparer.Ordinal).ToList();

    public Task<Stream> OpenReadAsync(string name, CancellationToken cancellationToken = default)
    {
        Check(name);
        return _objects.TryGetValue(name, out var o)
            ? Task.FromResult<Stream>(new MemoryStream(o.Content, writable: false))
            : throw new ObjectNotFoundException(Location, name);
    }

    public Task<StoredObject?> GetInfoAsync(string name, CancellationToken cancellationToken = default)
    {
        Check(name);
        return Task.FromResult(_objects.TryGetValue(name, out var o) ? new StoredObject(name, o.Content.Length, o.Time) : null);
    }

    public Task<IObjectWrite> StartWriteAsync(string name, CancellationToken cancellationToken = default)
    {
        Check(name);
        var staging = _staging.Value.File($"{Guid.NewGuid():N}.tmp");
        File.Create(staging).Dispose();
        return Task.FromResult<IObjectWrite>(new Write(this, name, staging));
    }

    public Task WriteAllBytesAsync(string name, ReadOnlyMemory<byte> content, CancellationToken cancellationToken = default)
    {
        Check(name);
        _objects[name] = (content.ToArray(), DateTimeOffset.UtcNow);
        return Task.CompletedTask;
    }

    public async IAsyncEnumerable<StoredObject> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ObjectNames.CheckPrefix(prefix);
        foreach (var name in Names.Where(n => n.StartsWith(prefix, StringComparison.Ordinal)))
        {
            if (_objects.TryGetValue(name, out var o))
            {
                yield return new StoredObject(name, o.Content.Length, o.Time);
            }
        }
        await Task.CompletedTask;
    }

    public Task<bool> DeleteAsync(string name, CancellationToken cancellationToken = default)
    {
        Check(name);
        return Task.FromResult(_objects.TryRemove(name, out _));
    }

    /// <summary>Deletes staging files last written before the cut-off, as the other adapters do with theirs.</summary>
    public Task<int> DeleteAbandonedWritesAsync(DateTimeOffset startedBefore, CancellationToken cancellationToken = default)
    {
        var deleted = 0;
        if (_staging.IsValueCreated)
        {
            foreach (var file in new DirectoryInfo(_staging.Value.Path).EnumerateFiles())
            {
                if (file.LastWriteTimeUtc < startedBefore.UtcDateTime)
                {
                    file.Delete();
                    deleted++;
                }
            }
        }
        return Task.FromResult(deleted);
    }

    public string? LocalPathOf(string name)
    {
        Check(name);
        return null;
    }

    public void Dispose()
    {
        if (_staging.IsValueCreated)
        {
            _staging.Value.Dispose();
        }
    }

    private static void Check(string name) => ObjectNames.Check(name);

    private sealed class Write(InMemoryObjectStore store, string name, string stagingPath) : IObjectWrite
    {
        private bool _done;

        public string Name { get; } = name;
        public string StagingPath { get; } = stagingPath;

        public async Task CommitAsync(CancellationToken cancellationToken = default)
        {
            if (_done)
            {
                throw new InvalidOperationException($"'{Name}' is already committed.");
            }
            var content = await File.ReadAllBytesAsync(StagingPath, cancellationToken);
            if (!store._objects.TryAdd(Name, (content, DateTimeOffset.UtcNow)))
            {
                throw new ObjectAlreadyExistsException(store.Location, Name);
            }
            _done = true;
            File.Delete(StagingPath);
        }

        public ValueTask DisposeAsync()
        {
            if (!_done)
            {
                File.Delete(StagingPath);
            }
            return ValueTask.CompletedTask;
        }
    }
}
