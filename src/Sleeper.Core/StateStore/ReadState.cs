using System.Collections.Concurrent;

namespace Sleeper.Core.StateStore;

/// <summary>
/// A table's state at one transaction number, shared read-only by every reader that asked for the state while
/// the log stood there (see <see cref="TransactionLogStateStore.GetReadStateAsync"/>), with whatever readers
/// derive from it (a query plan index) cached alongside, so that it is worked out once per transaction rather
/// than once per query.
/// </summary>
public sealed class ReadState
{
    private readonly ConcurrentDictionary<Type, Lazy<object>> _derived = new();

    internal ReadState(StateStoreState state, long transactionNumber, StateStoreState source)
    {
        State = state;
        TransactionNumber = transactionNumber;
        Source = source;
    }

    /// <summary>The state; shared, so it must never be changed.</summary>
    public StateStoreState State { get; }

    /// <summary>The number of the last transaction folded into <see cref="State"/>.</summary>
    public long TransactionNumber { get; }

    /// <summary>The store's live state this was copied from, to tell when the store has replaced it (a snapshot load).</summary>
    internal StateStoreState Source { get; }

    /// <summary>
    /// Something worked out from this state, once: the first caller builds it, every other caller (at once or
    /// later) gets the same object. Keyed by its type, so each kind of derived data has one slot.
    /// </summary>
    public T Derived<T>(Func<StateStoreState, T> build) where T : class =>
        (T)_derived.GetOrAdd(typeof(T), _ => new Lazy<object>(() => build(State), LazyThreadSafetyMode.ExecutionAndPublication)).Value;
}
