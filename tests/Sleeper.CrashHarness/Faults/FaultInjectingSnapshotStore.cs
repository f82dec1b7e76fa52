using Sleeper.Core.StateStore;

namespace Sleeper.CrashHarness.Faults;

/// <summary>Snapshots whose writing fails: the housekeeping after a commit, which must never undo the commit.</summary>
public sealed class FaultInjectingSnapshotStore(ITransactionLogSnapshotStore inner, FaultPlan plan) : ITransactionLogSnapshotStore
{
    public Task<TransactionLogSnapshotInfo?> GetLatestSnapshotInfoAsync(CancellationToken cancellationToken = default) =>
        inner.GetLatestSnapshotInfoAsync(cancellationToken);

    public Task<TransactionLogSnapshot?> LoadSnapshotAsync(long transactionNumber, CancellationToken cancellationToken = default) =>
        inner.LoadSnapshotAsync(transactionNumber, cancellationToken);

    public Task SaveSnapshotAsync(TransactionLogSnapshot snapshot, CancellationToken cancellationToken = default) =>
        plan.Next(FaultKind.SnapshotWriteFails)
            ? throw new InjectedFaultException(FaultKind.SnapshotWriteFails, $"writing snapshot {snapshot.TransactionNumber}")
            : inner.SaveSnapshotAsync(snapshot, cancellationToken);

    public Task<IReadOnlyList<TransactionLogSnapshotInfo>> ListSnapshotsAsync(CancellationToken cancellationToken = default) =>
        inner.ListSnapshotsAsync(cancellationToken);

    public Task DeleteSnapshotAsync(long transactionNumber, CancellationToken cancellationToken = default) =>
        inner.DeleteSnapshotAsync(transactionNumber, cancellationToken);
}
