using Sleeper.Core.Tables;
using Sleeper.TestSupport.Contracts;

namespace Sleeper.Postgres.Tests;

/// <summary>The PostgreSQL table index passes the table index port's contract, in a schema of its own.</summary>
public sealed class PostgresTableIndexContractTest : TableIndexContract, IAsyncLifetime
{
    private readonly TestSchema _schema = new();

    protected override ITableIndex OpenIndex() => new PostgresTableIndex(_schema.Database);

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _schema.DisposeAsync();
}
