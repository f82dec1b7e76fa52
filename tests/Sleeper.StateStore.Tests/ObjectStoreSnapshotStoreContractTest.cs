using Sleeper.Core.StateStore;
using Sleeper.TestSupport.Contracts;

namespace Sleeper.StateStore.Tests;

/// <summary>Snapshots as objects, found by listing their prefix, pass the snapshot store contract.</summary>
public sealed class ObjectStoreSnapshotStoreContractTest : SnapshotStoreContract
{
    private readonly InMemoryObjectStore _objects = new();

    protected override ITransactionLogSnapshotStore Open(string tableId = "table-1") => new ObjectStoreSnapshotStore(_objects, $"{tableId}/statestore/snapshots/");
}
