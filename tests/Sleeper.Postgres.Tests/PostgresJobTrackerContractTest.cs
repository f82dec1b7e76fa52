using Sleeper.Core.Tracking;
using Sleeper.TestSupport.Contracts;

namespace Sleeper.Postgres.Tests;

/// <summary>The PostgreSQL job tracker passes the tracker port's contract, in a schema of its own.</summary>
public sealed class PostgresJobTrackerContractTest : JobTrackerContract, IAsyncLifetime
{
    private readonly TestSchema _schema = new();

    protected override IJobTracker OpenTracker() => new PostgresJobTracker(_schema.Database);

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _schema.DisposeAsync();
}
