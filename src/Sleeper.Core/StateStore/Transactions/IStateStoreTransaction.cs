namespace Sleeper.Core.StateStore.Transactions;

/// <summary>
/// One entry of a table's transaction log. It is validated against the state it would follow, and only
/// appended if valid; applying it is then deterministic, so every reader folds the log to the same state.
/// </summary>
public interface IStateStoreTransaction
{
    /// <summary>Throws <see cref="StateStoreValidationException"/> if the transaction cannot follow this state.</summary>
    void Validate(StateStoreState state);

    void Apply(StateStoreState state, DateTimeOffset updateTime);
}

/// <summary>A transaction that is invalid against the current state; it is never appended.</summary>
public class StateStoreValidationException(string message) : SleeperException(message);
