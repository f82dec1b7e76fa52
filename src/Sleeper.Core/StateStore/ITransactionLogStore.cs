namespace Sleeper.Core.StateStore;

/// <summary>
/// One stored transaction: its number in the table's log, when it was committed, its type and JSON body, and the
/// unique id its committer gave it (null in entries written before transactions had ids). The id is how a
/// committer that lost the answer to its append recognises its own transaction in the log.
/// </summary>
public sealed record TransactionLogEntry(long TransactionNumber, DateTimeOffset UpdateTime, string TransactionType, string Body, string? TransactionId = null);

/// <summary>
/// The port every state store backend implements: an append-only log of numbered transactions per table.
/// Appending is put-if-absent: adding a number that exists throws <see cref="DuplicateTransactionNumberException"/>,
/// which is how concurrent committers find out that someone else went first.
/// </summary>
public interface ITransactionLogStore
{
    Task AddTransactionAsync(TransactionLogEntry entry, CancellationToken cancellationToken = default);

    /// <summary>Transactions numbered above <paramref name="afterTransactionNumber"/>, in order.</summary>
    IAsyncEnumerable<TransactionLogEntry> ReadTransactionsAfterAsync(long afterTransactionNumber, CancellationToken cancellationToken = default);

    /// <summary>Deletes transactions numbered at or below the given number (only behind a snapshot).</summary>
    Task DeleteTransactionsAtOrBeforeAsync(long transactionNumber, CancellationToken cancellationToken = default);

    /// <summary>
    /// A cheap answer to "has anything been committed after this number?", for readers that ask before every
    /// query: false only when the store can tell for certain that nothing was (not even something since deleted
    /// behind a snapshot); true when something was; null when it cannot tell cheaply, and the reader does a full update.
    /// </summary>
    ValueTask<bool?> HasTransactionsAfterAsync(long transactionNumber, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult<bool?>(null);
}

/// <summary>The state of a table as of one transaction number, so loading need not replay the whole log.</summary>
public sealed record TransactionLogSnapshot(long TransactionNumber, DateTimeOffset CreatedTime, string Body);

/// <summary>Metadata of a stored snapshot.</summary>
public sealed record TransactionLogSnapshotInfo(long TransactionNumber, DateTimeOffset CreatedTime);

/// <summary>The port for storing snapshots of the state beside the log.</summary>
public interface ITransactionLogSnapshotStore
{
    Task<TransactionLogSnapshotInfo?> GetLatestSnapshotInfoAsync(CancellationToken cancellationToken = default);

    Task<TransactionLogSnapshot?> LoadSnapshotAsync(long transactionNumber, CancellationToken cancellationToken = default);

    Task SaveSnapshotAsync(TransactionLogSnapshot snapshot, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<TransactionLogSnapshotInfo>> ListSnapshotsAsync(CancellationToken cancellationToken = default);

    Task DeleteSnapshotAsync(long transactionNumber, CancellationToken cancellationToken = default);
}

/// <summary>Someone else already appended a transaction with this number.</summary>
public sealed class DuplicateTransactionNumberException(long number)
    : Exception($"Transaction {number} already exists in the log.")
{
    public long TransactionNumber { get; } = number;
}
