using Sleeper.Core.Jobs;
using Sleeper.TestSupport.Contracts;

namespace Sleeper.Postgres.Tests;

/// <summary>The PostgreSQL queue passes the queue port's contract, in a schema of its own.</summary>
public sealed class PostgresJobQueueContractTest : JobQueueContract, IAsyncLifetime
{
    private readonly TestSchema _schema = new();

    protected override IJobQueue OpenQueue(string name, int maxReceiveCount, TimeProvider time) =>
        new PostgresJobQueue(_schema.Database, name, maxReceiveCount, time);

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _schema.DisposeAsync();
}
