using Sleeper.Core.Ingest.Batcher;
using Sleeper.TestSupport.Contracts;

namespace Sleeper.Postgres.Tests;

/// <summary>The PostgreSQL ingest batcher store passes the batcher store port's contract, in a schema of its own.</summary>
public sealed class PostgresIngestBatcherStoreContractTest : IngestBatcherStoreContract, IAsyncLifetime
{
    private readonly TestSchema _schema = new();

    protected override IIngestBatcherStore OpenStore() => new PostgresIngestBatcherStore(_schema.Database);

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _schema.DisposeAsync();
}
