using Sleeper.Core;
using Sleeper.Core.Ingest;
using Sleeper.Core.Jobs;
using Sleeper.Core.StateStore.Transactions;
using Sleeper.Core.Storage;
using Sleeper.Core.Tables;
using Sleeper.Core.Tracking;
using Sleeper.Ingest.Input;

namespace Sleeper.BulkImport;

/// <summary>What a bulk import worker did before it stopped.</summary>
public sealed record BulkImportWorkerResult(string TaskId, int JobsRun, int JobsFailed, long RowsWritten, int JobsDeadLettered = 0);

/// <summary>
/// Runs queued bulk import jobs until the queue stays empty for the idle timeout. A failed job goes back to the
/// queue and is retried, then dead-lettered by the queue, and the worker's sweeps of the dead letters
/// (<see cref="BulkImportDeadLetters"/>) record that end; since an import changes the table's files only in its
/// last commit, a failed attempt leaves nothing behind. A job whose earlier attempt committed and then died before deleting
/// its message is recognised (by the tracker's committed event, or by the table, which remembers the job ids it
/// committed) and not imported again. Two attempts that overlap (one stalled past its visibility timeout) cannot
/// both commit: each renews its claim just before committing (<see cref="VisibilityExtender.HoldForCommitAsync"/>),
/// and the table accepts one AddFiles per job id.
/// </summary>
public sealed class BulkImportWorker(
    IJobQueue queue,
    IJobTracker tracker,
    Func<BulkImportJob, CancellationToken, Task<SleeperTable>> openTable,
    BulkImportOptions? options = null,
    TimeProvider? time = null)
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    /// <summary>How long a received job stays hidden from other workers; extended while the job runs.</summary>
    public TimeSpan VisibilityTimeout { get; init; } = TimeSpan.FromMinutes(2);

    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMilliseconds(200);

    public string TaskId { get; } = Guid.NewGuid().ToString();

    /// <summary>Where the jobs' input files are read from: local paths unless the composition root gives a store that reads others too (s3://).</summary>
    public IInputFileStore InputFiles { get; init; } = LocalInputFileStore.Instance;

    /// <summary>Runs jobs until none has been visible for <paramref name="idleTimeout"/>; reports each job committed.</summary>
    public async Task<BulkImportWorkerResult> RunAsync(TimeSpan idleTimeout, IProgress<(BulkImportJob Job, BulkImportResult Result)>? progress = null,
        CancellationToken cancellationToken = default)
    {
        var deadLetters = BulkImportDeadLetters.Sweep(queue, tracker, openTable, _time, TaskId);
        var totals = await WorkerTask.RunAsync(tracker, TaskId, _time, queue, VisibilityTimeout, PollInterval, idleTimeout, deadLetters, async message =>
        {
            var (succeeded, job, result) = await RunOneAsync(message, cancellationToken);
            return JobAttempt.Of(succeeded, result, r =>
            {
                progress?.Report((job!, r));
                // A bulk import reads every row it writes.
                return JobAttempt.Finished(r.RowsWritten, r.RowsWritten);
            });
        }, cancellationToken);
        return new BulkImportWorkerResult(TaskId, totals.JobsRun, totals.JobsFailed, totals.RowsWritten, totals.JobsDeadLettered);
    }

    private async Task<(bool Succeeded, BulkImportJob? Job, BulkImportResult? Result)> RunOneAsync(QueuedMessage message, CancellationToken cancellationToken)
    {
        BulkImportJob job;
        try
        {
            job = IngestJobSerDe.BulkImportFromJson(message.Body);
        }
        catch (SleeperException)
        {
            // A message no worker could ever run: let it go to the dead letters.
            await queue.ReleaseAsync(message, cancellationToken);
            return (false, null, null);
        }
        var tableId = job.TableId ?? job.TableName!;
        await using var extender = VisibilityExtender.Start(queue, message, VisibilityTimeout, _time);
        // The work stops early if another worker takes the job over meanwhile.
        using var work = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, extender.ClaimLostToken);
        try
        {
            var table = await openTable(job, cancellationToken);
            tableId = table.Id;
            if (await AlreadyCommittedAsync(table, job, work.Token))
            {
                await extender.StopAsync();
                await queue.DeleteAsync(message, cancellationToken);
                await tracker.RecordAsync(new JobEvent(tableId, job.Id, JobEventKind.Committed, _time.GetUtcNow(), TaskId,
                    Reason: "an earlier attempt had committed it; not imported again"), cancellationToken);
                return (true, job, null);
            }
            await tracker.RecordAsync(new JobEvent(tableId, job.Id, JobEventKind.Started, _time.GetUtcNow(), TaskId, InputFiles: job.Files.Count, Files: job.Files), cancellationToken);
            var inputs = await IngestInputs.ResolveAsync(job.Files, null, InputFiles, cancellationToken: work.Token);
            // The claim is renewed just before the commit, which the table accepts only once for this job id.
            var runner = new BulkImportRunner(table, options) { BeforeCommit = extender.HoldForCommitAsync };
            var result = await runner.ImportAsync(inputs, null, job.Id, work.Token);
            await tracker.RecordAsync(new JobEvent(tableId, job.Id, JobEventKind.Finished, _time.GetUtcNow(), TaskId,
                InputFiles: job.Files.Count, RowsRead: result.RowsWritten, RowsWritten: result.RowsWritten), cancellationToken);
            await tracker.RecordAsync(new JobEvent(tableId, job.Id, JobEventKind.Committed, _time.GetUtcNow(), TaskId), cancellationToken);
            await extender.StopAsync();
            await queue.DeleteAsync(message, cancellationToken);
            return (true, job, result);
        }
        catch (JobAlreadyCommittedException)
        {
            // Another attempt committed the job first (this one's files were deleted unreferenced): it is done.
            await extender.StopAsync();
            await queue.DeleteAsync(message, CancellationToken.None);
            await tracker.RecordAsync(new JobEvent(tableId, job.Id, JobEventKind.Committed, _time.GetUtcNow(), TaskId,
                Reason: "another attempt had committed it; this attempt's files were not added"), CancellationToken.None);
            return (true, job, null);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            await extender.StopAsync();
            var lost = extender.ClaimLost;
            var reason = lost && e is not ClaimLostException ? new ClaimLostException(queue.Name, message.MessageId).Message : e.Message;
            await tracker.RecordAsync(new JobEvent(tableId, job.Id, JobEventKind.Failed, _time.GetUtcNow(), TaskId, Reason: reason), CancellationToken.None);
            if (!lost)
            {
                // A lost job is another worker's now: only one still held is handed back.
                await queue.ReleaseAsync(message, CancellationToken.None);
            }
            return (false, job, null);
        }
    }

    /// <summary>
    /// The tracker is asked first; the table's files second, for a worker that died between the commit and the
    /// tracker's record. (Only a later compaction and garbage collection of those files within the visibility
    /// timeout could hide both, and the tracker has the event in every case but that crash.)
    /// </summary>
    private async Task<bool> AlreadyCommittedAsync(SleeperTable table, BulkImportJob job, CancellationToken cancellationToken)
    {
        var events = await tracker.ReadJobEventsAsync(table.Id, cancellationToken);
        if (events.Any(e => e.JobId == job.Id && e.Kind == JobEventKind.Committed))
        {
            return true;
        }
        var state = await table.StateStore.GetStateAsync(cancellationToken);
        return state.HasCommittedJob(job.Id) || state.Files.Keys.Any(f => BulkImportFiles.IsFromJob(f, job.Id));
    }
}
