using Sleeper.Core.Files;
using Sleeper.Core.Partitions;

namespace Sleeper.Core.StateStore;

/// <summary>
/// The state of a table at one transaction number: its partitions and files. Transactions validate against
/// it and then apply to it; it is only ever changed by applying a transaction.
/// </summary>
public sealed class StateStoreState
{
    private readonly Dictionary<string, Partition> _partitions = new(StringComparer.Ordinal);
    private readonly Dictionary<string, FileEntry> _files = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DateTimeOffset> _committedJobs = new(StringComparer.Ordinal);
    private readonly Dictionary<long, string> _recentTransactionIds = new();

    /// <summary>How many of the newest transactions' ids the state remembers (see <see cref="RecentTransactionIds"/>).</summary>
    public const int RecentTransactionsKept = 1000;

    /// <summary>One file and its references keyed by partition id.</summary>
    public sealed class FileEntry(string filename, DateTimeOffset lastUpdate)
    {
        public string Filename { get; } = filename;
        public DateTimeOffset LastStateStoreUpdateTime { get; set; } = lastUpdate;
        public Dictionary<string, FileReference> References { get; } = new(StringComparer.Ordinal);

        public AllReferencesToAFile ToRecord() => new(Filename, References.Values.OrderBy(r => r.PartitionId, StringComparer.Ordinal).ToArray(), LastStateStoreUpdateTime);
    }

    public IReadOnlyDictionary<string, Partition> Partitions => _partitions;

    public IReadOnlyDictionary<string, FileEntry> Files => _files;

    /// <summary>The ingest and bulk import jobs whose files were added (by job id), with when: see <see cref="Transactions.AddFilesTransaction"/>.</summary>
    public IReadOnlyDictionary<string, DateTimeOffset> CommittedJobs => _committedJobs;

    public bool HasCommittedJob(string jobId) => _committedJobs.ContainsKey(jobId);

    internal void AddCommittedJob(string jobId, DateTimeOffset time) => _committedJobs[jobId] = time;

    /// <summary>
    /// The ids of the transactions folded into this state, by number, for the newest
    /// <see cref="RecentTransactionsKept"/> of them. Snapshots carry them, so a committer can tell whether the
    /// transaction it appended is the one a snapshot folded at that number (see TransactionLogStateStore).
    /// </summary>
    public IReadOnlyDictionary<long, string> RecentTransactionIds => _recentTransactionIds;

    internal void RecordTransaction(long number, string? transactionId)
    {
        _recentTransactionIds.Remove(number - RecentTransactionsKept);
        if (transactionId is null)
        {
            _recentTransactionIds.Remove(number);
            return;
        }
        _recentTransactionIds[number] = transactionId;
    }

    public bool TryGetFile(string filename, out FileEntry entry) => _files.TryGetValue(filename, out entry!);

    public bool TryGetReference(string filename, string partitionId, out FileReference reference)
    {
        reference = null!;
        return _files.TryGetValue(filename, out var entry) && entry.References.TryGetValue(partitionId, out reference!);
    }

    internal void SetPartitions(IEnumerable<Partition> partitions)
    {
        _partitions.Clear();
        foreach (var p in partitions)
        {
            _partitions[p.Id] = p;
        }
    }

    internal void PutPartition(Partition partition) => _partitions[partition.Id] = partition;

    internal FileEntry GetOrAddFile(string filename, DateTimeOffset time)
    {
        if (!_files.TryGetValue(filename, out var entry))
        {
            entry = new FileEntry(filename, time);
            _files[filename] = entry;
        }
        return entry;
    }

    internal void RemoveFile(string filename) => _files.Remove(filename);

    internal void ClearFiles() => _files.Clear();

    public IEnumerable<FileReference> AllReferences() => _files.Values.SelectMany(f => f.References.Values);

    /// <summary>A deep copy, so a caller can read it while the store moves on.</summary>
    public StateStoreState Copy()
    {
        var copy = new StateStoreState();
        copy.SetPartitions(_partitions.Values);
        foreach (var f in _files.Values)
        {
            var e = copy.GetOrAddFile(f.Filename, f.LastStateStoreUpdateTime);
            foreach (var (k, v) in f.References)
            {
                e.References[k] = v;
            }
        }
        foreach (var (job, time) in _committedJobs)
        {
            copy._committedJobs[job] = time;
        }
        foreach (var (number, id) in _recentTransactionIds)
        {
            copy._recentTransactionIds[number] = id;
        }
        return copy;
    }

    public PartitionTree PartitionTree() => new(_partitions.Values);
}
