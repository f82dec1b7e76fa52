using Sleeper.Core.Storage;
using Sleeper.StateStore.LocalFiles;
using Sleeper.TestSupport.Contracts;

namespace Sleeper.StateStore.Tests;

/// <summary>The embedded adapter of the storage port against the port's contract.</summary>
public sealed class LocalObjectStoreContractTest : ObjectStoreContract
{
    private readonly TempFolder _folder = new();

    protected override Task<IObjectStore> CreateStoreAsync() =>
        Task.FromResult<IObjectStore>(new LocalObjectStore(_folder.Combine("instance")));

    protected override Task DisposeStoreAsync(IObjectStore store)
    {
        _folder.Dispose();
        return Task.CompletedTask;
    }
}
