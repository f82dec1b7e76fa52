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
/// <para>
/// So that the log does not grow for ever, every <see cref="SnapshotEveryEntries"/> entries the writer of that
/// entry saves a snapshot of the state (in <c>snapshots/</c>, without the jobs sent more than
/// <see cref="KeepSentJobsFor"/> ago), and readers start from the newest snapshot. Entries and snapshots behind a
/// snapshot are deleted only once that snapshot is <see cref="DeleteBehindSnapshotsAfter"/> old: a writer catches
/// up just before it appends, so none can still be working from a state that old, and none can re-create a
/// deleted entry's number.
/// </para>
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

    /// <summary>How many log entries between snapshots; 0 for none.</summary>
    public int SnapshotEveryEntries { get; init; } = 100;

    /// <summary>How long a sent job stays in the record (and the report) once a snapshot is taken after that.</summary>
    public TimeSpan KeepSentJobsFor { get; init; } = TimeSpan.FromDays(7);

    /// <summary>How old a snapshot must be before the entries and snapshots behind it are deleted.</summary>
    public TimeSpan DeleteBehindSnapshotsAfter { get; init; } = TimeSpan.FromMinutes(10);

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
                    if (SnapshotEveryEntries > 0 && log.LastNumber % SnapshotEveryEntries == 0)
                    {
                        await SnapshotAsync(log, cancellationToken);
                    }
                    return result;
                }
            }
        }
        finally
        {
            log.Lock.Release();
        }
    }

    /// <summary>
    /// Brings the fold up to date: from the newest snapshot if it is ahead of it, then the entries after, in order,
    /// until the next number is missing.
    /// </summary>
    private static async Task CatchUpAsync(TableLog log, CancellationToken cancellationToken)
    {
        if (!Directory.Exists(log.Directory))
        {
            // Nothing was ever added for the table.
            return;
        }
        var newest = SnapshotNumbers(log).DefaultIfEmpty(0).Max();
        if (newest > log.LastNumber)
        {
            var snapshot = await ReadSnapshotAsync(log, newest, cancellationToken);
            if (snapshot is { } loaded)
            {
                log.State = loaded.State;
                log.LastNumber = loaded.Number;
            }
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

    /// <summary>Saves the state just reached as a snapshot, then deletes what is behind the snapshots old enough.</summary>
    private async Task SnapshotAsync(TableLog log, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        log.State = log.State.Trimmed(now - KeepSentJobsFor);
        Directory.CreateDirectory(SnapshotsDirectory(log));
        var bytes = Encoding.UTF8.GetBytes(IngestBatcherLogSerDe.SnapshotToJson(log.LastNumber, now, log.State));
        // Nobody else writes this number's snapshot: only the writer of the entry takes it.
        await AtomicFiles.TryCreateAsync(SnapshotPath(log, log.LastNumber), bytes, cancellationToken);

        var cutoff = now - DeleteBehindSnapshotsAfter;
        foreach (var number in SnapshotNumbers(log).OrderDescending())
        {
            var snapshot = await ReadSnapshotAsync(log, number, cancellationToken);
            if (snapshot is not { } old || old.CreatedTime > cutoff)
            {
                continue;
            }
            // Oldest first, so the entries left are always one unbroken run up to the newest.
            foreach (var entry in EntryNumbers(log).Where(n => n <= number).Order())
            {
                File.Delete(EntryPath(log, entry));
            }
            foreach (var older in SnapshotNumbers(log).Where(n => n < number))
            {
                File.Delete(SnapshotPath(log, older));
            }
            return;
        }
    }

    private static async Task<(long Number, DateTimeOffset CreatedTime, IngestBatcherTableState State)?> ReadSnapshotAsync(TableLog log, long number, CancellationToken cancellationToken)
    {
        var path = SnapshotPath(log, number);
        var read = await JsonFiles.TryReadAsync(path, "Ingest batcher snapshot", "ingest batcher snapshot",
            json => new Snapshot(IngestBatcherLogSerDe.SnapshotFromJson(json)), cancellationToken);
        return read?.Value;
    }

    private static IEnumerable<long> EntryNumbers(TableLog log) => NumberedFiles(log.Directory);

    private static IEnumerable<long> SnapshotNumbers(TableLog log) => NumberedFiles(SnapshotsDirectory(log));

    private static IEnumerable<long> NumberedFiles(string directory)
    {
        if (!Directory.Exists(directory))
        {
            yield break;
        }
        foreach (var path in Directory.EnumerateFiles(directory, "*.json"))
        {
            var name = Path.GetFileNameWithoutExtension(path);
            if (name.Length == NumberDigits && long.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out var number))
            {
                yield return number;
            }
        }
    }

    private static string SnapshotsDirectory(TableLog log) => Path.Combine(Path.GetDirectoryName(log.Directory)!, "snapshots");

    private static string SnapshotPath(TableLog log, long number) =>
        Path.Combine(SnapshotsDirectory(log), number.ToString(CultureInfo.InvariantCulture).PadLeft(NumberDigits, '0') + ".json");

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
        public IngestBatcherTableState State { get; set; } = state;
        public long LastNumber { get; set; }
        public SemaphoreSlim Lock { get; } = new(1, 1);
    }

    /// <summary>A box for a read snapshot, since the JSON reader returns classes only.</summary>
    private sealed record Snapshot((long Number, DateTimeOffset CreatedTime, IngestBatcherTableState State) Value);
}
