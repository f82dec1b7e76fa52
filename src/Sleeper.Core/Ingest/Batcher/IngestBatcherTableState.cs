namespace Sleeper.Core.Ingest.Batcher;

/// <summary>
/// A table's ingest batcher record folded from its log: the pending files in arrival order and the jobs made.
/// It also says which changes are still valid against it, so a store appends only entries that keep it consistent.
/// </summary>
public sealed class IngestBatcherTableState(string tableId)
{
    private readonly Dictionary<string, FileIngestRequest> _pendingByFile = new(StringComparer.Ordinal);
    private readonly List<FileIngestRequest> _pending = [];
    private readonly Dictionary<string, int> _jobIndex = new(StringComparer.Ordinal);
    private readonly List<IngestBatcherJob> _jobs = [];

    public string TableId { get; } = tableId;

    /// <summary>A state from a snapshot: pending files in arrival order and jobs in the order they were made.</summary>
    public static IngestBatcherTableState FromSnapshot(string tableId, IReadOnlyList<FileIngestRequest> pending, IReadOnlyList<IngestBatcherJob> jobs)
    {
        var state = new IngestBatcherTableState(tableId);
        state.Apply(new FilesAddedEntry(DateTimeOffset.MinValue, pending));
        foreach (var job in jobs)
        {
            state._jobIndex[job.JobId] = state._jobs.Count;
            state._jobs.Add(job);
        }
        return state;
    }

    /// <summary>
    /// This state without the jobs sent before <paramref name="keepSentSince"/>, so the record does not grow for
    /// ever. Jobs not sent yet are always kept: a later round still has to send them.
    /// </summary>
    public IngestBatcherTableState Trimmed(DateTimeOffset keepSentSince) =>
        FromSnapshot(TableId, _pending, _jobs.Where(j => j.SentTime is not { } sent || sent >= keepSentSince).ToList());

    /// <summary>Pending files, oldest first.</summary>
    public IReadOnlyList<FileIngestRequest> Pending => _pending;

    /// <summary>Jobs in the order they were made.</summary>
    public IReadOnlyList<IngestBatcherJob> Jobs => _jobs;

    /// <summary>The given files that are not pending yet, each once (the first of any repeats).</summary>
    public IReadOnlyList<FileIngestRequest> NotYetPending(IReadOnlyList<FileIngestRequest> files)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        return files.Where(f => !_pendingByFile.ContainsKey(f.File) && seen.Add(f.File)).ToList();
    }

    /// <summary>Whether every file of the jobs is pending as that same request, none is in two of them, and the job ids are new.</summary>
    public bool CanAssign(IReadOnlyList<IngestBatcherJob> jobs)
    {
        var files = new HashSet<string>(StringComparer.Ordinal);
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var job in jobs)
        {
            if (job.TableId != TableId || _jobIndex.ContainsKey(job.JobId) || !ids.Add(job.JobId) || job.Files.Count == 0)
            {
                return false;
            }
            foreach (var file in job.Files)
            {
                // Compared as a whole request: a file batched by someone else and submitted again is a new request.
                if (!files.Add(file.File) || !_pendingByFile.TryGetValue(file.File, out var pending) || pending != file)
                {
                    return false;
                }
            }
        }
        return true;
    }

    public void Apply(IngestBatcherLogEntry entry)
    {
        switch (entry)
        {
            case FilesAddedEntry added:
                foreach (var file in NotYetPending(added.Files))
                {
                    _pendingByFile[file.File] = file;
                    _pending.Add(file);
                }
                break;
            case JobsAssignedEntry assigned:
                var taken = assigned.Jobs.SelectMany(j => j.Files).Select(f => f.File).ToHashSet(StringComparer.Ordinal);
                foreach (var file in taken)
                {
                    _pendingByFile.Remove(file);
                }
                _pending.RemoveAll(f => taken.Contains(f.File));
                foreach (var job in assigned.Jobs)
                {
                    _jobIndex[job.JobId] = _jobs.Count;
                    _jobs.Add(job);
                }
                break;
            case JobsSentEntry sent:
                foreach (var id in sent.JobIds)
                {
                    if (_jobIndex.TryGetValue(id, out var index) && _jobs[index].SentTime is null)
                    {
                        _jobs[index] = _jobs[index] with { SentTime = sent.Time };
                    }
                }
                break;
            default:
                throw new ArgumentException($"Unknown ingest batcher log entry {entry.GetType().Name}.", nameof(entry));
        }
    }
}
