using Sleeper.Core.StateStore;
using Sleeper.TestSupport.Contracts;

namespace Sleeper.Core.Tests.StateStore;

/// <summary>The in-memory log passes the log port's contract; one object per table stands for its storage.</summary>
public sealed class InMemoryTransactionLogStoreContractTest : TransactionLogStoreContract
{
    private readonly Dictionary<string, InMemoryTransactionLogStore> _logs = new(StringComparer.Ordinal);

    protected override ITransactionLogStore OpenLog(string tableId)
    {
        lock (_logs)
        {
            return _logs.TryGetValue(tableId, out var log) ? log : _logs[tableId] = new InMemoryTransactionLogStore();
        }
    }
}
