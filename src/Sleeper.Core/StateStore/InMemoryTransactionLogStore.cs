using System.Runtime.CompilerServices;

namespace Sleeper.Core.StateStore;

/// <summary>A transaction log held in memory, for tests and for tables that need no durability.</summary>
public sealed class InMemoryTransactionLogStore : ITransactionLogStore
{
    private readonly SortedDictionary<long, TransactionLogEntry> _entries = new();
    private readonly Lock _lock = new();

    public Task AddTransactionAsync(TransactionLogEntry entry, CancellationToken cancellationToken = default)
    {
        if (entry.TransactionNumber < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(entry), $"Transaction numbers start at 1; got {entry.TransactionNumber}.");
        }
        lock (_lock)
        {
            if (!_entries.TryAdd(entry.TransactionNumber, entry))
            {
                throw new DuplicateTransactionNumberException(entry.TransactionNumber);
            }
        }
        return Task.CompletedTask;
    }

    public async IAsyncEnumerable<TransactionLogEntry> ReadTransactionsAfterAsync(long afterTransactionNumber, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        TransactionLogEntry[] entries;
        lock (_lock)
        {
            entries = _entries.Values.Where(e => e.TransactionNumber > afterTransactionNumber).ToArray();
        }
        foreach (var e in entries)
        {
            yield return e;
        }
        await Task.CompletedTask;
    }

    public Task DeleteTransactionsAtOrBeforeAsync(long transactionNumber, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            foreach (var n in _entries.Keys.Where(n => n <= transactionNumber).ToList())
            {
                _entries.Remove(n);
            }
        }
        return Task.CompletedTask;
    }
}

/// <summary>Snapshots held in memory, the companion of <see cref="InMemoryTransactionLogStore"/>.</summary>
public sealed class InMemorySnapshotStore : ITransactionLogSnapshotStore
{
    private readonly SortedDictionary<long, TransactionLogSnapshot> _snapshots = new();
    private readonly Lock _lock = new();

    public Task<TransactionLogSnapshotInfo?> GetLatestSnapshotInfoAsync(CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            var last = _snapshots.Values.LastOrDefault();
            return Task.FromResult(last is null ? null : new TransactionLogSnapshotInfo(last.TransactionNumber, last.CreatedTime));
        }
    }

    public Task<TransactionLogSnapshot?> LoadSnapshotAsync(long transactionNumber, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            return Task.FromResult(_snapshots.GetValueOrDefault(transactionNumber));
        }
    }

    public Task SaveSnapshotAsync(TransactionLogSnapshot snapshot, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            _snapshots[snapshot.TransactionNumber] = snapshot;
        }
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<TransactionLogSnapshotInfo>> ListSnapshotsAsync(CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            return Task.FromResult<IReadOnlyList<TransactionLogSnapshotInfo>>(
                _snapshots.Values.Select(s => new TransactionLogSnapshotInfo(s.TransactionNumber, s.CreatedTime)).ToList());
        }
    }

    public Task DeleteSnapshotAsync(long transactionNumber, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            _snapshots.Remove(transactionNumber);
        }
        return Task.CompletedTask;
    }
}
