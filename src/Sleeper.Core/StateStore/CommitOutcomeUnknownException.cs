namespace Sleeper.Core.StateStore;

/// <summary>
/// An append whose outcome could not be established: it failed in a way that leaves open whether it was written,
/// and the log could not be read back to tell. The only exception from a commit that does not mean "nothing was
/// committed": a writer that gets it must keep what the transaction refers to, and may ask
/// <see cref="TransactionLogStateStore.WasCommittedAsync"/> later.
/// </summary>
public sealed class CommitOutcomeUnknownException(string transactionType, string transactionId, long transactionNumber, Exception appendFailure, Exception readFailure)
    : SleeperException($"Could not tell whether {transactionType} transaction {transactionId} was committed as number {transactionNumber}: "
        + $"the append failed ({appendFailure.Message}) and so did reading the log back ({readFailure.Message}).", appendFailure)
{
    public string TransactionId { get; } = transactionId;

    /// <summary>The number the transaction was appended at, if it was: it is there or nowhere.</summary>
    public long TransactionNumber { get; } = transactionNumber;
}
