using Sleeper.Core.StateStore;

namespace Sleeper.CrashHarness.Faults;

/// <summary>
/// A state store log that fails as a real one can: an append that fails before it lands, an append that lands
/// but reports failure (a lost acknowledgement, a timeout), appends that conflict again and again for a while
/// (without anything landing), reads that fail, and deletes behind a snapshot that fail.
/// </summary>
public sealed class FaultInjectingTransactionLogStore(ITransactionLogStore inner, FaultPlan plan) : ITransactionLogStore
{
    public async Task AddTransactionAsync(TransactionLogEntry entry, CancellationToken cancellationToken = default)
    {
        if (plan.Next(FaultKind.AppendConflicts))
        {
            throw new DuplicateTransactionNumberException(entry.TransactionNumber);
        }
        if (plan.Next(FaultKind.AppendFails))
        {
            throw new InjectedFaultException(FaultKind.AppendFails, $"transaction {entry.TransactionNumber} was not appended");
        }
        await inner.AddTransactionAsync(entry, cancellationToken);
        if (plan.Next(FaultKind.AppendSucceedsButReportsFailure))
        {
            throw new InjectedFaultException(FaultKind.AppendSucceedsButReportsFailure, $"transaction {entry.TransactionNumber} was appended, but the caller is told it failed");
        }
    }

    public async IAsyncEnumerable<TransactionLogEntry> ReadTransactionsAfterAsync(long afterTransactionNumber,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        if (plan.Next(FaultKind.LogReadFails))
        {
            throw new InjectedFaultException(FaultKind.LogReadFails, $"reading the log after {afterTransactionNumber}");
        }
        await foreach (var entry in inner.ReadTransactionsAfterAsync(afterTransactionNumber, cancellationToken))
        {
            yield return entry;
        }
    }

    public async Task DeleteTransactionsAtOrBeforeAsync(long transactionNumber, CancellationToken cancellationToken = default)
    {
        if (plan.Next(FaultKind.LogDeleteFails))
        {
            throw new InjectedFaultException(FaultKind.LogDeleteFails, $"deleting transactions up to {transactionNumber}");
        }
        await inner.DeleteTransactionsAtOrBeforeAsync(transactionNumber, cancellationToken);
    }
}
