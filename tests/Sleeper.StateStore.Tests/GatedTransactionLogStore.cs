using Sleeper.Core.StateStore;

namespace Sleeper.StateStore.Tests;

/// <summary>
/// A log that holds each committer's first append until all of them have validated, so a race between them
/// happens every time instead of now and then.
/// </summary>
public sealed class GatedTransactionLogStore(ITransactionLogStore inner, Barrier gate) : ITransactionLogStore
{
    private int _appends;

    public async Task AddTransactionAsync(TransactionLogEntry entry, CancellationToken cancellationToken = default)
    {
        if (Interlocked.Increment(ref _appends) == 1)
        {
            await Task.Run(() => gate.SignalAndWait(TimeSpan.FromSeconds(30)), cancellationToken);
        }
        await inner.AddTransactionAsync(entry, cancellationToken);
    }

    public IAsyncEnumerable<TransactionLogEntry> ReadTransactionsAfterAsync(long afterTransactionNumber, CancellationToken cancellationToken = default) =>
        inner.ReadTransactionsAfterAsync(afterTransactionNumber, cancellationToken);

    public Task DeleteTransactionsAtOrBeforeAsync(long transactionNumber, CancellationToken cancellationToken = default) =>
        inner.DeleteTransactionsAtOrBeforeAsync(transactionNumber, cancellationToken);
}
