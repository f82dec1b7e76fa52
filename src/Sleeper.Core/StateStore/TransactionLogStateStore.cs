using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Sleeper.Core.Files;
using Sleeper.Core.Notifications;
using Sleeper.Core.Partitions;
using Sleeper.Core.Schema;
using Sleeper.Core.StateStore.Transactions;
using Sleeper.Core.Telemetry;

namespace Sleeper.Core.StateStore;

/// <summary>Tuning of a <see cref="TransactionLogStateStore"/>.</summary>
public sealed record TransactionLogStateStoreOptions
{
    /// <summary>Load the newest snapshot instead of replaying when it is at least this many transactions ahead.</summary>
    public long LoadSnapshotWhenBehindBy { get; init; } = 100;

    /// <summary>Write a snapshot after a commit whose number is a multiple of this; 0 turns it off.</summary>
    public long SnapshotEveryTransactions { get; init; } = 500;

    /// <summary>
    /// After an automatic snapshot, delete transactions behind the newest snapshot at least this old; null keeps
    /// the whole log. The age gives readers that are behind time to catch up from the log before it goes.
    /// </summary>
    public TimeSpan? DeleteTransactionsBehindSnapshotsOlderThan { get; init; }

    public int MaxCommitAttempts { get; init; } = 50;

    public TimeSpan FirstRetryDelay { get; init; } = TimeSpan.FromMilliseconds(2);

    public TimeSpan MaxRetryDelay { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Where a commit given up, or whose outcome is unknown, is published; null publishes nothing.</summary>
    public IEventSink? Events { get; init; }

    /// <summary>The table the store belongs to, named in those events.</summary>
    public string? TableId { get; init; }
}

/// <summary>
/// A table's state store: the fold of its transaction log. It holds the state at some transaction number,
/// brings it up to date by reading only newer transactions (or the newest snapshot when far behind), and
/// commits by appending the next number only if no one else did; on conflict it re-reads, re-validates and
/// retries with jittered back-off. Storage lives behind <see cref="ITransactionLogStore"/> and
/// <see cref="ITransactionLogSnapshotStore"/>.
/// </summary>
public sealed class TransactionLogStateStore
{
    private readonly ITransactionLogStore _log;
    private readonly ITransactionLogSnapshotStore _snapshots;
    private readonly StateStoreSerDe _serDe;
    private readonly TimeProvider _time;
    private readonly Random _random;
    private readonly TransactionLogStateStoreOptions _options;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _lock = new(1, 1);
    private StateStoreState _state = new();
    private long _lastTransactionNumber;
    // The shared read-only state readers get (see GetReadStateAsync), and the arrival ticket of the last caller
    // whose refresh it reflects: any caller with a ticket at or below it arrived before that refresh began.
    private ReadState? _readState;
    private long _readStateTicket;
    private long _readArrivals;

    public TransactionLogStateStore(
        TableSchema schema,
        ITransactionLogStore log,
        ITransactionLogSnapshotStore snapshots,
        TimeProvider? time = null,
        Random? random = null,
        TransactionLogStateStoreOptions? options = null,
        ILogger? logger = null)
    {
        Schema = schema;
        _log = log;
        _snapshots = snapshots;
        _serDe = new StateStoreSerDe(schema);
        _time = time ?? TimeProvider.System;
        _random = random ?? Random.Shared;
        _options = options ?? new TransactionLogStateStoreOptions();
        _logger = logger ?? NullLogger.Instance;
    }

    public TableSchema Schema { get; }

    /// <summary>The number of the last transaction folded into the state held here.</summary>
    public long LastTransactionNumber => _lastTransactionNumber;

    /// <summary>How many conflicting appends this instance has retried (for tests and metrics).</summary>
    public int ConflictCount { get; private set; }

    /// <summary>An up-to-date copy of the whole state.</summary>
    public async Task<StateStoreState> GetStateAsync(CancellationToken cancellationToken = default)
    {
        await _lock.WaitAsync(cancellationToken);
        try
        {
            await UpdateLockedAsync(cancellationToken);
            return _state.Copy();
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <summary>
    /// The up-to-date state as one immutable snapshot shared by every reader (queries), instead of a copy each.
    /// It is brought up to date by reading only the log's new transactions, and a new snapshot is made only
    /// when the log has moved on; so a transaction committed before this call began is in what it returns.
    /// Callers that arrive while another caller's refresh is in progress wait for it and then share the next one,
    /// so many concurrent queries cost one read of the log between them rather than one each.
    /// </summary>
    /// <remarks>The snapshot must not be changed: it is shared. Writers and anything that changes state use <see cref="GetStateAsync"/>.</remarks>
    public async Task<ReadState> GetReadStateAsync(CancellationToken cancellationToken = default)
    {
        var arrival = Interlocked.Increment(ref _readArrivals);
        await _lock.WaitAsync(cancellationToken);
        try
        {
            if (_readState is { } shared && _readStateTicket >= arrival)
            {
                // A refresh that began after this caller arrived has just finished: it saw every commit this caller could expect.
                return shared;
            }
            var ticket = Volatile.Read(ref _readArrivals);
            if (_readState is { } current && current.TransactionNumber == _lastTransactionNumber && ReferenceEquals(current.Source, _state)
                && await _log.HasTransactionsAfterAsync(_lastTransactionNumber, cancellationToken) == false)
            {
                // The log has not moved on (a check the log store can answer cheaply, such as two file checks).
                _readStateTicket = ticket;
                return current;
            }
            await UpdateLockedAsync(cancellationToken);
            if (_readState is null || _readState.TransactionNumber != _lastTransactionNumber || !ReferenceEquals(_readState.Source, _state))
            {
                _readState = new ReadState(_state.Copy(), _lastTransactionNumber, _state);
            }
            _readStateTicket = ticket;
            return _readState;
        }
        finally
        {
            _lock.Release();
        }
    }

    public async Task<IReadOnlyList<Partition>> GetAllPartitionsAsync(CancellationToken cancellationToken = default) =>
        (await GetStateAsync(cancellationToken)).Partitions.Values.ToList();

    public async Task<PartitionTree> GetPartitionTreeAsync(CancellationToken cancellationToken = default) =>
        (await GetStateAsync(cancellationToken)).PartitionTree();

    public async Task<IReadOnlyList<Partition>> GetLeafPartitionsAsync(CancellationToken cancellationToken = default) =>
        (await GetStateAsync(cancellationToken)).Partitions.Values.Where(p => p.IsLeaf).ToList();

    public async Task<IReadOnlyList<FileReference>> GetFileReferencesAsync(CancellationToken cancellationToken = default) =>
        (await GetStateAsync(cancellationToken)).AllReferences().ToList();

    public async Task<IReadOnlyList<AllReferencesToAFile>> GetAllFilesAsync(CancellationToken cancellationToken = default) =>
        (await GetStateAsync(cancellationToken)).Files.Values.Select(f => f.ToRecord()).ToList();

    /// <summary>Files with no references, last updated before the given time: the ones garbage collection may delete.</summary>
    public async Task<IReadOnlyList<string>> GetReadyForGcFilenamesBeforeAsync(DateTimeOffset maxUpdateTime, CancellationToken cancellationToken = default) =>
        (await GetStateAsync(cancellationToken)).Files.Values
            .Where(f => f.References.Count == 0 && f.LastStateStoreUpdateTime < maxUpdateTime)
            .Select(f => f.Filename).ToList();

    /// <summary>Sets the partition tree of a new (or emptied) table.</summary>
    public Task InitialiseAsync(IReadOnlyList<Partition> partitions, CancellationToken cancellationToken = default) =>
        CommitAsync(new InitialisePartitionsTransaction(partitions), cancellationToken);

    /// <summary>
    /// Validates the transaction against the newest state and appends it as the next number, under a new unique
    /// id. A commit has one outcome: when this returns, the transaction is in the log exactly once; when it throws
    /// anything but <see cref="CommitOutcomeUnknownException"/>, nothing was appended (a
    /// <see cref="StateStoreValidationException"/> if the transaction is invalid). Housekeeping after the append
    /// (a snapshot, deleting old transactions) cannot fail a commit, and nor can a cancellation that comes after it.
    /// </summary>
    /// <remarks>
    /// An append can fail without saying whether it was written: a timeout or lost connection whose request went
    /// through, a cancellation halfway. Such an outcome is settled by reading the log at that number: this commit's
    /// id there means it was written; another id means someone else went first (retried as any conflict); nothing
    /// there means it was not (retried). Only when the log cannot be read back does the commit throw
    /// <see cref="CommitOutcomeUnknownException"/>.
    /// </remarks>
    public async Task<CommittedTransaction> CommitAsync(IStateStoreTransaction transaction, CancellationToken cancellationToken = default)
    {
        if (_options.Events is null)
        {
            return await CommitUnwatchedAsync(transaction, cancellationToken);
        }
        try
        {
            return await CommitUnwatchedAsync(transaction, cancellationToken);
        }
        catch (Exception e) when (e is CommitFailedException or CommitOutcomeUnknownException)
        {
            await PublishCommitFailureAsync(StateStoreSerDe.TypeName(transaction), e);
            throw;
        }
    }

    /// <summary>
    /// Tells the operators (<see cref="TransactionLogStateStoreOptions.Events"/>) of a commit given up or whose
    /// outcome is unknown. A sink that fails is logged: the caller hears of the commit's failure either way.
    /// </summary>
    private async Task PublishCommitFailureAsync(string typeName, Exception failure)
    {
        var unknown = failure is CommitOutcomeUnknownException;
        try
        {
            await _options.Events!.PublishAsync(EventLog.Create(_time, unknown ? "state-store-commit-outcome-unknown" : "state-store-commit-failed", EventSeverity.Error,
                $"A {typeName} commit to table {_options.TableId ?? "(unknown)"} {(unknown ? "may or may not have been committed" : "failed")}: {failure.Message}", _options.TableId));
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            _logger.LogWarning("Could not publish the failure of a {TransactionType} commit: {Reason}", typeName, e.Message);
        }
    }

    private async Task<CommittedTransaction> CommitUnwatchedAsync(IStateStoreTransaction transaction, CancellationToken cancellationToken)
    {
        var transactionId = Guid.NewGuid().ToString();
        var typeName = StateStoreSerDe.TypeName(transaction);
        var body = _serDe.Serialize(transaction);
        var delay = _options.FirstRetryDelay;
        var watch = new OwnTransaction(transactionId);
        // A child of whatever job commits, so a trace runs from a job's submission to its commit.
        using var span = SleeperTelemetry.Source.StartActivity("statestore.commit");
        span?.SetTag("sleeper.transaction.type", typeName);
        for (var attempt = 1; ; attempt++)
        {
            long committed;
            await _lock.WaitAsync(cancellationToken);
            try
            {
                await UpdateLockedAsync(cancellationToken, watch);
                if (watch.FoundAt is { } landed)
                {
                    // An earlier append of this commit, given up as not written, was in the end: it is folded in now.
                    committed = landed;
                    goto committed;
                }
                transaction.Validate(_state);
                var entry = new TransactionLogEntry(_lastTransactionNumber + 1, NowToTheMillisecond(), typeName, body, transactionId);
                AppendOutcome outcome;
                Exception? failure = null;
                try
                {
                    await _log.AddTransactionAsync(entry, cancellationToken);
                    outcome = AppendOutcome.Written;
                }
                catch (DuplicateTransactionNumberException)
                {
                    outcome = AppendOutcome.Conflict;
                }
                catch (Exception e)
                {
                    failure = e;
                    outcome = await SettleLockedAsync(entry, e);
                }
                switch (outcome)
                {
                    case AppendOutcome.Written when !await InLineageLockedAsync(entry, typeName) && attempt < _options.MaxCommitAttempts:
                        // Appended into a number already deleted behind a newer snapshot: no reader will ever fold
                        // it, so it did not commit; the held state is now that snapshot's, and the commit retries.
                        ConflictCount++;
                        SleeperTelemetry.CommitConflicts.Add(1, new KeyValuePair<string, object?>("transaction", typeName));
                        goto retry;
                    case AppendOutcome.Written when _lastTransactionNumber >= entry.TransactionNumber:
                        throw new CommitFailedException($"Could not commit a {typeName} transaction after {attempt} attempts: its appends kept landing behind newer snapshots.");
                    case AppendOutcome.Written:
                        ApplyOwnLocked(transaction, entry);
                        committed = entry.TransactionNumber;
                        goto committed;
                    case AppendOutcome.Conflict when attempt < _options.MaxCommitAttempts:
                        ConflictCount++;
                        SleeperTelemetry.CommitConflicts.Add(1, new KeyValuePair<string, object?>("transaction", typeName));
                        goto retry;
                    case AppendOutcome.Conflict:
                        throw new CommitFailedException($"Could not commit a {typeName} transaction after {attempt} attempts: other committers kept appending first.");
                    default:
                        // Not written. A cancelled commit stops here, having committed nothing.
                        cancellationToken.ThrowIfCancellationRequested();
                        if (attempt >= _options.MaxCommitAttempts)
                        {
                            throw new CommitFailedException($"Could not commit a {typeName} transaction after {attempt} attempts; nothing was committed. The last append failed: {failure!.Message}", failure);
                        }
                        _logger.LogDebug(failure, "Appending transaction {TransactionNumber} failed and it was not written; retrying", entry.TransactionNumber);
                        goto retry;
                }
            }
            finally
            {
                _lock.Release();
            }

        committed:
            await HousekeepAfterAsync(committed, typeName, cancellationToken);
            return new CommittedTransaction(committed, transactionId);

        retry:
            var jittered = TimeSpan.FromTicks((long)(delay.Ticks * (0.5 + _random.NextDouble())));
            await Task.Delay(jittered, _time, cancellationToken);
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, _options.MaxRetryDelay.Ticks));
        }
    }

    /// <summary>What became of one append.</summary>
    private enum AppendOutcome
    {
        Written,
        Conflict,
        NotWritten,
    }

    /// <summary>The id of the transaction a commit is appending, and where it was found in the log if it was.</summary>
    private sealed class OwnTransaction(string id)
    {
        public string Id { get; } = id;

        public long? FoundAt { get; set; }
    }

    /// <summary>How often the log is read to settle an append whose outcome was lost, before giving up.</summary>
    private const int SettleReadAttempts = 4;

    /// <summary>Reads the log at the entry's number to tell whether an append that threw was written.</summary>
    private async Task<AppendOutcome> SettleLockedAsync(TransactionLogEntry entry, Exception appendFailure)
    {
        Exception? readFailure = null;
        var delay = _options.FirstRetryDelay;
        for (var read = 1; read <= SettleReadAttempts; read++)
        {
            try
            {
                // Not cancellable: once the append may have happened, its caller must learn whether it did.
                TransactionLogEntry? first = null;
                await foreach (var e in _log.ReadTransactionsAfterAsync(entry.TransactionNumber - 1, CancellationToken.None))
                {
                    first = e;
                    break;
                }
                if (first is null)
                {
                    return AppendOutcome.NotWritten;
                }
                if (first.TransactionNumber == entry.TransactionNumber)
                {
                    var ours = first.TransactionId == entry.TransactionId;
                    _logger.LogInformation(appendFailure, "Appending transaction {TransactionNumber} failed; reading the log back found it {Outcome}",
                        entry.TransactionNumber, ours ? "written" : "taken by another committer");
                    return ours ? AppendOutcome.Written : AppendOutcome.Conflict;
                }
                // The log goes on past the number, yet the number is not there: it was written, then deleted behind a
                // snapshot, so whose it was can no longer be read. (Deletion waits for snapshots to age; this is rare.)
                readFailure = new SleeperException($"transaction {entry.TransactionNumber} was deleted behind a snapshot before it could be read back");
                break;
            }
            catch (Exception e)
            {
                readFailure = e;
                await Task.Delay(delay, _time, CancellationToken.None);
                delay = TimeSpan.FromTicks(Math.Min(Math.Max(delay.Ticks * 2, 1), _options.MaxRetryDelay.Ticks));
            }
        }
        throw new CommitOutcomeUnknownException(entry.TransactionType, entry.TransactionId!, entry.TransactionNumber, appendFailure, readFailure!);
    }

    /// <summary>Folds this instance's own appended transaction into the held state.</summary>
    private void ApplyOwnLocked(IStateStoreTransaction transaction, TransactionLogEntry entry)
    {
        try
        {
            transaction.Apply(_state, entry.UpdateTime);
            _state.RecordTransaction(entry.TransactionNumber, entry.TransactionId);
            _lastTransactionNumber = entry.TransactionNumber;
        }
        catch (Exception e)
        {
            // The transaction is in the log whatever happens here, so the commit stands; but the held state may be
            // half changed, so it is dropped and the next read folds the log (or a snapshot) afresh.
            _logger.LogError(e, "Transaction {TransactionNumber} was committed but could not be applied to the state held in memory; the state will be read again", entry.TransactionNumber);
            _state = new StateStoreState();
            _lastTransactionNumber = 0;
        }
    }

    /// <summary>
    /// The snapshot and deletion of old transactions that some commits are followed by. The commit stands
    /// whatever happens here, so a failure is logged, not thrown: the next snapshot that falls due tries again.
    /// </summary>
    private async Task HousekeepAfterAsync(long committed, string typeName, CancellationToken cancellationToken)
    {
        if (_options.SnapshotEveryTransactions <= 0 || committed % _options.SnapshotEveryTransactions != 0)
        {
            return;
        }
        try
        {
            await CreateSnapshotAsync(cancellationToken);
            if (_options.DeleteTransactionsBehindSnapshotsOlderThan is { } minAge)
            {
                await DeleteOldTransactionsAsync(minAge, cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            _logger.LogDebug("Transaction {TransactionNumber} was committed; the snapshot after it was cancelled", committed);
        }
        catch (Exception e)
        {
            _logger.LogWarning(e, "Transaction {TransactionNumber} ({TransactionType}) was committed, but the snapshot or deletion of old transactions after it failed",
                committed, typeName);
        }
    }

    /// <summary>
    /// Whether the transaction with this id is in the log at or after the given number: how a writer told
    /// <see cref="CommitOutcomeUnknownException"/> finds out later. Throws if the log no longer reaches back that far.
    /// </summary>
    public async Task<bool> WasCommittedAsync(string transactionId, long fromTransactionNumber, CancellationToken cancellationToken = default)
    {
        var first = true;
        await foreach (var entry in _log.ReadTransactionsAfterAsync(fromTransactionNumber - 1, cancellationToken))
        {
            if (first && entry.TransactionNumber > fromTransactionNumber)
            {
                throw new SleeperException($"Cannot tell whether transaction {transactionId} was committed: the log from transaction {fromTransactionNumber} to {entry.TransactionNumber - 1} was deleted behind a snapshot.");
            }
            first = false;
            if (entry.TransactionId == transactionId)
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>
    /// Snapshots keep update times to the millisecond, as Sleeper does; the log must too, or a state loaded from a
    /// snapshot would differ from the same state folded from the log.
    /// </summary>
    private DateTimeOffset NowToTheMillisecond() => DateTimeOffset.FromUnixTimeMilliseconds(_time.GetUtcNow().ToUnixTimeMilliseconds());

    /// <summary>Writes a snapshot of the state at the newest transaction, unless one exists at that number.</summary>
    public async Task<long> CreateSnapshotAsync(CancellationToken cancellationToken = default)
    {
        string body;
        long number;
        await _lock.WaitAsync(cancellationToken);
        try
        {
            await UpdateLockedAsync(cancellationToken);
            number = _lastTransactionNumber;
            body = _serDe.SerializeState(_state);
        }
        finally
        {
            _lock.Release();
        }
        var latest = await _snapshots.GetLatestSnapshotInfoAsync(cancellationToken);
        if (number > 0 && (latest is null || latest.TransactionNumber < number))
        {
            await _snapshots.SaveSnapshotAsync(new TransactionLogSnapshot(number, _time.GetUtcNow(), body), cancellationToken);
        }
        return number;
    }

    /// <summary>
    /// Deletes transactions and snapshots behind the newest snapshot that is at least <paramref name="minSnapshotAge"/>
    /// old, so a reader that was far behind can always catch up from that snapshot. Returns the number deleted up to.
    /// </summary>
    public async Task<long> DeleteOldTransactionsAsync(TimeSpan minSnapshotAge, CancellationToken cancellationToken = default)
    {
        var cutoff = _time.GetUtcNow() - minSnapshotAge;
        var snapshots = await _snapshots.ListSnapshotsAsync(cancellationToken);
        var keep = snapshots.Where(s => s.CreatedTime <= cutoff).MaxBy(s => s.TransactionNumber);
        if (keep is null)
        {
            return 0;
        }
        await _log.DeleteTransactionsAtOrBeforeAsync(keep.TransactionNumber, cancellationToken);
        foreach (var old in snapshots.Where(s => s.TransactionNumber < keep.TransactionNumber))
        {
            await _snapshots.DeleteSnapshotAsync(old.TransactionNumber, cancellationToken);
        }
        return keep.TransactionNumber;
    }

    /// <summary>Brings the held state up to the newest transaction.</summary>
    public async Task UpdateAsync(CancellationToken cancellationToken = default)
    {
        await _lock.WaitAsync(cancellationToken);
        try
        {
            await UpdateLockedAsync(cancellationToken);
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <param name="own">A committing transaction to look out for in what is read, if any.</param>
    private async Task UpdateLockedAsync(CancellationToken cancellationToken, OwnTransaction? own = null)
    {
        var latest = await _snapshots.GetLatestSnapshotInfoAsync(cancellationToken);
        if (latest is not null && latest.TransactionNumber - _lastTransactionNumber >= _options.LoadSnapshotWhenBehindBy)
        {
            // If it went meanwhile, reading the log finds the gap and the loop below loads a newer one.
            await TryLoadSnapshotLockedAsync(latest.TransactionNumber, cancellationToken, own);
        }
        var readFrom = _lastTransactionNumber;
        var continuous = await ApplyTransactionsAfterLockedAsync(cancellationToken, own);
        // Entries read from the log are trusted only above the newest snapshot. At or below it, the log may have
        // been deleted, so a continuous read may have ended early (appending the next number would rewrite a
        // deleted one), and it may even hold an append that a stale committer made on a number deleted behind
        // that snapshot, which the snapshot never folded. Snapshots are saved before the transactions behind them
        // are deleted, so asking for the newest one after reading the log sees any such deletion; when it is
        // past where this read started, the state is that snapshot's plus the log after it. Another process may
        // meanwhile save a newer snapshot and delete the log behind it, so the question is asked again until the
        // answer is no newer snapshot.
        for (var round = 1; ; round++)
        {
            latest = await _snapshots.GetLatestSnapshotInfoAsync(cancellationToken);
            if (latest is null || latest.TransactionNumber <= readFrom)
            {
                if (continuous)
                {
                    return;
                }
                throw new SleeperException($"The transaction log has a gap after transaction {_lastTransactionNumber} and there is no newer snapshot to load.");
            }
            if (round > MaxSnapshotRounds)
            {
                throw new SleeperException($"The transaction log has a gap after snapshot {latest.TransactionNumber}, and newer snapshots kept replacing it while it was read.");
            }
            if (!await TryLoadSnapshotLockedAsync(latest.TransactionNumber, cancellationToken, own))
            {
                continue; // Deleted behind a newer snapshot since it was listed.
            }
            readFrom = _lastTransactionNumber;
            continuous = await ApplyTransactionsAfterLockedAsync(cancellationToken, own);
        }
    }

    /// <summary>How often reading the state may start again from a newer snapshot before it gives up.</summary>
    private const int MaxSnapshotRounds = 20;

    /// <summary>
    /// Whether an entry just appended is in the table's history. An append is put-if-absent, but a number that was
    /// deleted behind a snapshot is absent again: a committer whose view of the log went stale while another
    /// process saved a newer snapshot and deleted the log behind it could append there, and readers starting from
    /// that snapshot would never see it. So when a snapshot at or past the entry's number exists, the entry is in
    /// the history only if that snapshot folded this very transaction at that number (snapshots remember the ids
    /// of their newest transactions). If not, the held state becomes the snapshot's and the caller retries.
    /// </summary>
    private async Task<bool> InLineageLockedAsync(TransactionLogEntry entry, string typeName)
    {
        try
        {
            return await CheckLineageLockedAsync(entry, typeName);
        }
        catch (Exception e) when (e is not CommitOutcomeUnknownException)
        {
            // The append happened: a failure to check it must not read as "nothing committed", or its writer would
            // delete files the log may now reference.
            throw new CommitOutcomeUnknownException(typeName, entry.TransactionId!, entry.TransactionNumber,
                new SleeperException($"transaction {entry.TransactionNumber} was appended, but checking it against the newest snapshot failed"), e);
        }
    }

    private async Task<bool> CheckLineageLockedAsync(TransactionLogEntry entry, string typeName)
    {
        for (var round = 1; ; round++)
        {
            // Not cancellable: once appended, the caller must learn whether the append counts.
            var latest = await _snapshots.GetLatestSnapshotInfoAsync(CancellationToken.None);
            if (latest is null || latest.TransactionNumber < entry.TransactionNumber)
            {
                return true;
            }
            var snapshot = await _snapshots.LoadSnapshotAsync(latest.TransactionNumber, CancellationToken.None);
            if (snapshot is null)
            {
                if (round >= MaxSnapshotRounds)
                {
                    break;
                }
                continue; // Deleted behind a newer one meanwhile: ask again.
            }
            var state = _serDe.DeserializeState(snapshot.Body);
            if (!state.RecentTransactionIds.TryGetValue(entry.TransactionNumber, out var id))
            {
                break;
            }
            if (id == entry.TransactionId)
            {
                return true;
            }
            _logger.LogWarning("Transaction {TransactionNumber} was appended behind snapshot {SnapshotNumber}, which holds another transaction there; committing again", entry.TransactionNumber, snapshot.TransactionNumber);
            _state = state;
            _lastTransactionNumber = snapshot.TransactionNumber;
            return false;
        }
        throw new CommitOutcomeUnknownException(typeName, entry.TransactionId!, entry.TransactionNumber,
            new SleeperException($"a snapshot at or past transaction {entry.TransactionNumber} appeared while it was appended"),
            new SleeperException("that snapshot does not say which transaction it folded at that number"));
    }

    /// <returns>false if the snapshot was deleted since it was listed (behind a newer one): ask again for the newest.</returns>
    /// <param name="own">A committing transaction: whether the snapshot folded it decides whether it committed.</param>
    private async Task<bool> TryLoadSnapshotLockedAsync(long number, CancellationToken cancellationToken, OwnTransaction? own = null)
    {
        var snapshot = await _snapshots.LoadSnapshotAsync(number, cancellationToken);
        if (snapshot is null)
        {
            return false;
        }
        _state = _serDe.DeserializeState(snapshot.Body);
        _lastTransactionNumber = snapshot.TransactionNumber;
        if (own is not null)
        {
            // Seen in the log read before this snapshot replaced it, it may have been an append on a deleted number.
            own.FoundAt = _state.RecentTransactionIds.Where(t => t.Value == own.Id).Select(t => (long?)t.Key).FirstOrDefault();
        }
        return true;
    }

    /// <returns>false if the log does not continue from the held number (a gap).</returns>
    private async Task<bool> ApplyTransactionsAfterLockedAsync(CancellationToken cancellationToken, OwnTransaction? own)
    {
        await foreach (var entry in _log.ReadTransactionsAfterAsync(_lastTransactionNumber, cancellationToken))
        {
            if (entry.TransactionNumber != _lastTransactionNumber + 1)
            {
                return false;
            }
            var transaction = _serDe.Deserialize(entry.TransactionType, entry.Body);
            transaction.Apply(_state, entry.UpdateTime);
            _state.RecordTransaction(entry.TransactionNumber, entry.TransactionId);
            _lastTransactionNumber = entry.TransactionNumber;
            if (own is not null && entry.TransactionId == own.Id)
            {
                own.FoundAt = entry.TransactionNumber;
            }
        }
        return true;
    }
}
