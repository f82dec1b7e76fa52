using Sleeper.Core.Ingest.Batcher;
using Sleeper.TestSupport.Contracts;

namespace Sleeper.Instance.Tests;

/// <summary>The embedded ingest batcher store passes the batcher store port's contract, in a folder of its own.</summary>
public sealed class FileIngestBatcherStoreContractTest : IngestBatcherStoreContract, IDisposable
{
    private readonly TempFolder _folder = new();

    protected override IIngestBatcherStore OpenStore() => FileIngestBatcherStore.InInstance(_folder.Path);

    public void Dispose() => _folder.Dispose();
}
