using Sleeper.Core.StateStore;
using Sleeper.TestSupport.Contracts;

namespace Sleeper.StateStore.Tests;

/// <summary>The embedded log passes the log port's contract: a folder per table, a new object per open.</summary>
public sealed class FileTransactionLogStoreContractTest : TransactionLogStoreContract, IDisposable
{
    private readonly TempFolder _dir = new();

    public void Dispose() => _dir.Dispose();

    protected override ITransactionLogStore OpenLog(string tableId) => new FileTransactionLogStore(_dir.Combine(tableId));
}
