using Sleeper.Core.Storage;
using Sleeper.TestSupport;
using Sleeper.TestSupport.Contracts;

namespace Sleeper.Core.Tests.Storage;

/// <summary>The tests' in-memory double of the storage port against the port's contract, so tests that use it see real semantics.</summary>
public sealed class InMemoryObjectStoreContractTest : ObjectStoreContract
{
    protected override Task<IObjectStore> CreateStoreAsync() => Task.FromResult<IObjectStore>(new InMemoryObjectStore());

    protected override Task DisposeStoreAsync(IObjectStore store)
    {
        ((InMemoryObjectStore)store).Dispose();
        return Task.CompletedTask;
    }
}
