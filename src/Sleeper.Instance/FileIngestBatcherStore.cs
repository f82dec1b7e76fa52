using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using Sleeper.Core.Ingest.Batcher;
using Sleeper.StateStore.LocalFiles;

namespace Sleeper.Instance;

/// <summary>
/// The embedded ingest batcher store: per table, a log of numbered entry files under
/// <c>&lt;instance&gt;/batcher/&lt;tableId&gt;/log/</c>, folded into the pending files and jobs. Any number of
/// threads and processes on one machine can use it at once.
/// </summary>
/// <remarks>
/// Every change is appended as entry N+1 with an atomic put-if-absent, and only after checking it against the
/// state folded up to N. Two writers acting on the same state both try to create N+1 and exactly one wins; the
/// other folds the winner's entry and decides again. So the log is one linear history, and a set of files is
/// assigned to a job all at once or not at all: two batchers can never put a file in two jobs, and a file
/// submitted twice while pending is recorded once. Batched files stay in the log with their job id, for the report.
/// </remarks>
public sealed class FileIngestBatcherStore : IIngestBatcherStore
{
    private const int NumberDigits = 19;

    private readonly string _directory;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<string, TableLog> _tables = new(StringComparer.Ordinal);

    public FileIngestBatcherStore(string directory, TimeProvider? time = null)
    {
        _directory = Path.GetFullPath(directory);
        _time = time ?? TimeProvider.System;
    }

    /// <summary>The batcher store of the embedded instance in <paramref name="instanceDirectory"/>.</summary>
    public static FileIngestBatcherStore InInstance(string instanceDirectory, TimeProvider? time = null) =>
        new(Path.Combine(instanceDirectory, "batcher"), time);

    public Task<IReadOnlyList<FileIngestRequest>> AddFilesAsync(string tableId, IReadOnlyList<FileIngestRequest> files, CancellationToken cancellationToken = default)
    {
        var wrong = files.FirstOrDefault(f => f.TableId != tableId);
        if (wrong is not null)
        {
            throw new ArgumentException($"File {wrong.File} is for table {wrong.TableId}, not {tableId}.", nameof(files));
        }
        return UpdateAsync(tableId, state =>
        {
            IReadOnlyList<FileIngestRequest> added = state.NotYetPending(files);
            return (added.Count == 0 ? null : new FilesAddedEntry(_time.GetUtcNow(), added), added);
        }, cancellationToken);
    }

    public async Task<IReadOnlyList<FileIngestRequest>> GetPendingFilesAsync(string tableId, CancellationToken cancellationToken = default) =>
        await ReadAsync(tableId, state => state.Pending.ToList(), cancellationToken);

    public async Task<IReadOnlyList<IngestBatcherJob>> GetJobsAsync(string tableId, CancellationToken cancellationToken = default) =>
        await ReadAsync(tableId, state => state.Jobs.ToList(), cancellationToken);

    public Task<bool> TryAssignJobsAsync(string tableId, IReadOnlyList<IngestBatcherJob> jobs, CancellationToken cancellationToken = default) =>
        UpdateAsync(tableId, state => state.CanAssign(jobs)
            ? (new JobsAssignedEntry(_time.GetUtcNow(), jobs), true)
            : ((IngestBatcherLogEntry?)null, false), cancellationToken);

    public Task MarkJobsSentAsync(string tableId, IReadOnlyList<string> jobIds, DateTimeOffset sentTime, CancellationToken cancellationToken = default) =>
        UpdateAsync(tableId, state =>
        {
            var unsent = state.Jobs.Where(j => j.SentTime is null && jobIds.Contains(j.JobId)).Select(j => j.JobId).ToList();
            return (unsent.Count == 0 ? null : new JobsSentEntry(sentTime, unsent), 0);
        }, cancellationToken);

    private async Task<T> ReadAsync<T>(string tableId, Func<IngestBatcherTableState, T> read, CancellationToken cancellationToken)
    {
        var log = Log(tableId);
        await log.Lock.WaitAsync(cancellationToken);
        try
        {
            await CatchUpAsync(log, cancellationToken);
            return read(log.State);
        }
        finally
        {
            log.Lock.Release();
        }
    }

    /// <summary>
    /// Folds the log, lets <paramref name="decide"/> choose an entry to append (or none), and appends it as the
    /// next number; if another writer took that number first, folds its entry and decides again.
    /// </summary>
    private async Task<T> UpdateAsync<T>(string tableId, Func<IngestBatcherTableState, (IngestBatcherLogEntry? Entry, T Result)> decide, CancellationToken cancellationToken)
    {
        var log = Log(tableId);
        await log.Lock.WaitAsync(cancellationToken);
        try
        {
            while (true)
            {
                await CatchUpAsync(log, cancellationToken);
                var (entry, result) = decide(log.State);
                if (entry is null)
                {
                    return result;
                }
                Directory.CreateDirectory(log.Directory);
                var bytes = Encoding.UTF8.GetBytes(IngestBatcherLogSerDe.ToJson(tableId, entry));
                if (await AtomicFiles.TryCreateAsync(EntryPath(log, log.LastNumber + 1), bytes, cancellationToken))
                {
                    log.State.Apply(entry);
                    log.LastNumber++;
                    return result;
                }
            }
        }
        finally
        {
            log.Lock.Release();
        }
    }

    /// <summary>Reads the entries after the last one folded, in order, until the next number is missing.</summary>
    private static async Task CatchUpAsync(TableLog log, CancellationToken cancellationToken)
    {
        if (!Directory.Exists(log.Directory))
        {
            // Nothing was ever added for the table.
            return;
        }
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var path = EntryPath(log, log.LastNumber + 1);
            var entry = await JsonFiles.TryReadAsync(path, "Ingest batcher log file", "ingest batcher log entry", IngestBatcherLogSerDe.FromJson, cancellationToken);
            if (entry is null)
            {
                return;
            }
            log.State.Apply(entry);
            log.LastNumber++;
        }
    }

    private TableLog Log(string tableId)
    {
        if (tableId.Length == 0 || tableId.IndexOfAny(['/', '\\', '.']) >= 0)
        {
            throw new ArgumentException($"'{tableId}' is not a table id.", nameof(tableId));
        }
        return _tables.GetOrAdd(tableId, id => new TableLog(Path.Combine(_directory, id, "log"), new IngestBatcherTableState(id)));
    }

    private static string EntryPath(TableLog log, long number) =>
        Path.Combine(log.Directory, number.ToString(CultureInfo.InvariantCulture).PadLeft(NumberDigits, '0') + ".json");

    /// <summary>One table's log as far as this store has folded it; the lock keeps this process's threads to one fold at a time.</summary>
    private sealed class TableLog(string directory, IngestBatcherTableState state)
    {
        public string Directory { get; } = directory;
        public IngestBatcherTableState State { get; } = state;
        public long LastNumber { get; set; }
        public SemaphoreSlim Lock { get; } = new(1, 1);
    }
}
