namespace Sleeper.Core.StateStore;

/// <summary>A transaction in the log: the number it was appended at and the unique id its committer gave it.</summary>
public sealed record CommittedTransaction(long TransactionNumber, string TransactionId);
