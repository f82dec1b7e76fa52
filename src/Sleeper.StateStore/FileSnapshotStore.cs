using Sleeper.Core.Storage;
using Sleeper.StateStore.LocalFiles;

namespace Sleeper.StateStore;

/// <summary>The embedded instance's snapshots: an <see cref="ObjectStoreSnapshotStore"/> over a local folder.</summary>
public sealed class FileSnapshotStore : ObjectStoreSnapshotStore
{
    /// <inheritdoc cref="ObjectStoreSnapshotStore(IObjectStore, string)"/>
    public FileSnapshotStore(IObjectStore store, string prefix)
        : base(store, prefix)
    {
    }

    /// <summary>Snapshots as files directly in a local folder.</summary>
    public FileSnapshotStore(string directory)
        : base(new LocalObjectStore(directory), "")
    {
    }
}
