using Sleeper.Core.StateStore;
using Sleeper.TestSupport.Contracts;

namespace Sleeper.Postgres.Tests;

/// <summary>The PostgreSQL log passes the log port's contract, in a schema of its own; each open is a new pool, as another process would have.</summary>
public sealed class PostgresTransactionLogStoreContractTest : TransactionLogStoreContract, IAsyncLifetime
{
    private readonly TestSchema _schema = new();
    private readonly List<PostgresDatabase> _opened = [];

    protected override ITransactionLogStore OpenLog(string tableId)
    {
        var database = new PostgresDatabase(_schema.ConnectionString, _schema.Name);
        lock (_opened)
        {
            _opened.Add(database);
        }
        return new PostgresTransactionLogStore(database, tableId);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var database in _opened)
        {
            await database.DisposeAsync();
        }
        await _schema.DisposeAsync();
    }
}
