using Sleeper.Core.Tracking;
using Sleeper.TestSupport.Contracts;

namespace Sleeper.Postgres.Tests;

/// <summary>The PostgreSQL query tracker passes the query tracker port's contract, in a schema of its own.</summary>
public sealed class PostgresQueryTrackerContractTest : QueryTrackerContract, IAsyncLifetime
{
    private readonly TestSchema _schema = new();

    protected override IQueryTracker OpenTracker() => new PostgresQueryTracker(_schema.Database);

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _schema.DisposeAsync();
}
