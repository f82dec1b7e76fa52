namespace Sleeper.Core.Storage;

/// <summary>What the store knows of one object: its name, size in bytes and when it was last written.</summary>
public sealed record StoredObject(string Name, long Size, DateTimeOffset LastModified);

/// <summary>
/// The storage port: every read and write of a table's data files, sketches, snapshots and other table files
/// goes through it. Names are relative to the instance (the form file references store, such as
/// <c>&lt;tableId&gt;/data/partition_&lt;id&gt;/&lt;uuid&gt;.parquet</c>), use '/' as separator, and never
/// leave the instance: an absolute name or one with a '..' segment is refused with
/// <see cref="InvalidObjectNameException"/>. It is shaped for an object store: objects are written whole and
/// appear only when complete, there are no appends and no renames of folders, and listing is by prefix.
/// The embedded adapter keeps objects as files in the instance folder; the S3 adapter keeps them under a
/// bucket and prefix. Local scratch space for spills is not in this port: it stays on local disk.
/// </summary>
public interface IObjectStore
{
    /// <summary>Where the objects live, for messages: a folder path or an <c>s3://bucket/prefix</c> URI.</summary>
    string Location { get; }

    /// <summary>Opens a seekable, read-only stream of an object. Throws <see cref="ObjectNotFoundException"/> when it does not exist.</summary>
    Task<Stream> OpenReadAsync(string name, CancellationToken cancellationToken = default);

    /// <summary>
    /// Opens a seekable, read-only stream of an object whose length the caller already knows, because it has read
    /// the object before and objects of that name never change (a table's data files). A store that would
    /// otherwise ask its server for the length (S3: a HEAD) skips that request, so opening costs nothing until
    /// the first read. The object is not checked to exist: if it has gone, a read throws
    /// <see cref="ObjectNotFoundException"/>. Stores whose opening is cheap anyway need not override this.
    /// </summary>
    Task<Stream> OpenReadAsync(string name, long length, CancellationToken cancellationToken = default) =>
        OpenReadAsync(name, cancellationToken);

    /// <summary>The object's size and time, or null when it does not exist.</summary>
    Task<StoredObject?> GetInfoAsync(string name, CancellationToken cancellationToken = default);

    /// <summary>
    /// Starts writing an object. Its content goes to <see cref="IObjectWrite.StagingPath"/>, a local file, and
    /// becomes visible under <paramref name="name"/>, whole, only on <see cref="IObjectWrite.CommitAsync"/>;
    /// disposing without committing discards it.
    /// </summary>
    Task<IObjectWrite> StartWriteAsync(string name, CancellationToken cancellationToken = default);

    /// <summary>Writes a small object whole (it becomes visible atomically), replacing any object of that name.</summary>
    Task WriteAllBytesAsync(string name, ReadOnlyMemory<byte> content, CancellationToken cancellationToken = default);

    /// <summary>Every object whose name starts with <paramref name="prefix"/>, in name order. Staging files are never listed.</summary>
    IAsyncEnumerable<StoredObject> ListAsync(string prefix, CancellationToken cancellationToken = default);

    /// <summary>Deletes an object; false when it did not exist.</summary>
    Task<bool> DeleteAsync(string name, CancellationToken cancellationToken = default);

    /// <summary>
    /// Deletes what writes that were never committed or discarded left behind (a process killed mid-write),
    /// if they were started before <paramref name="startedBefore"/>; returns how many it deleted. A write in
    /// progress is younger than any sensible cut-off, so callers pass a time well in the past.
    /// </summary>
    Task<int> DeleteAbandonedWritesAsync(DateTimeOffset startedBefore, CancellationToken cancellationToken = default);

    /// <summary>
    /// The local file that holds an object, for native readers that are faster on a path (ParquetSharp); null
    /// when the store is not on local disk. Does not check that the object exists.
    /// </summary>
    string? LocalPathOf(string name);
}

/// <summary>
/// An object being written: write its content to <see cref="StagingPath"/> (any local writer, native or
/// managed), then <see cref="CommitAsync"/> flushes it to stable storage and makes it visible under
/// <see cref="Name"/> in one step. Disposing without a commit deletes the staging file.
/// </summary>
public interface IObjectWrite : IAsyncDisposable
{
    string Name { get; }

    /// <summary>A local file, in no folder that readers list, that becomes the object on commit.</summary>
    string StagingPath { get; }

    /// <summary>
    /// Makes the staged content the object. Throws <see cref="ObjectAlreadyExistsException"/> when an object of
    /// that name exists already (a commit never replaces one).
    /// </summary>
    Task CommitAsync(CancellationToken cancellationToken = default);
}

/// <summary>No object of that name exists.</summary>
public sealed class ObjectNotFoundException(string location, string name)
    : SleeperException($"'{name}' does not exist in {location}.")
{
    public string Name { get; } = name;
}

/// <summary>An object of that name exists already, and a write never replaces one.</summary>
public sealed class ObjectAlreadyExistsException(string location, string name)
    : SleeperException($"'{name}' already exists in {location}.")
{
    public string Name { get; } = name;
}

/// <summary>A name that is absolute, empty, or would leave the instance.</summary>
public sealed class InvalidObjectNameException(string name, string reason)
    : SleeperException($"'{name}' is not a valid name inside the instance: {reason}.")
{
    public string Name { get; } = name;
}
