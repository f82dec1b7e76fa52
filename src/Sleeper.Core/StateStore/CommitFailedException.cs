namespace Sleeper.Core.StateStore;

/// <summary>
/// A commit given up after its last attempt (other committers kept winning, or every append failed): nothing was
/// committed. Unlike an invalid transaction, which is an ordinary answer, this is what an operator must hear of.
/// </summary>
public sealed class CommitFailedException(string message, Exception? inner = null) : SleeperException(message, inner);
