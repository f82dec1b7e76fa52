using Sleeper.Core.StateStore;

namespace Sleeper.TestSupport;

/// <summary>
/// Snapshots around a real store whose saves and deletions can be made to fail, as a full disk or a lost
/// connection would: the housekeeping a commit does after its append.
/// </summary>
public sealed class FaultInjectingSnapshotStore(ITransactionLogSnapshotStore inner) : ITransactionLogSnapshotStore
{
    private int _failures;

    /// <summary>Whether saving the snapshot at a transaction number fails (before anything is saved).</summary>
    public Func<long, bool> FailSave { get; set; } = _ => false;

    /// <summary>Whether listing snapshots (as deleting old transactions does) fails.</summary>
    public bool FailList { get; set; }

    public int FaultsInjected => Volatile.Read(ref _failures);

    public Task<TransactionLogSnapshotInfo?> GetLatestSnapshotInfoAsync(CancellationToken cancellationToken = default) =>
        inner.GetLatestSnapshotInfoAsync(cancellationToken);

    public Task<TransactionLogSnapshot?> LoadSnapshotAsync(long transactionNumber, CancellationToken cancellationToken = default) =>
        inner.LoadSnapshotAsync(transactionNumber, cancellationToken);

    public Task SaveSnapshotAsync(TransactionLogSnapshot snapshot, CancellationToken cancellationToken = default)
    {
        if (FailSave(snapshot.TransactionNumber))
        {
            Interlocked.Increment(ref _failures);
            throw new IOException($"Injected fault: saving snapshot {snapshot.TransactionNumber} failed (no space left on device).");
        }
        return inner.SaveSnapshotAsync(snapshot, cancellationToken);
    }

    public Task<IReadOnlyList<TransactionLogSnapshotInfo>> ListSnapshotsAsync(CancellationToken cancellationToken = default)
    {
        if (FailList)
        {
            Interlocked.Increment(ref _failures);
            throw new IOException("Injected fault: listing snapshots failed.");
        }
        return inner.ListSnapshotsAsync(cancellationToken);
    }

    public Task DeleteSnapshotAsync(long transactionNumber, CancellationToken cancellationToken = default) =>
        inner.DeleteSnapshotAsync(transactionNumber, cancellationToken);
}
