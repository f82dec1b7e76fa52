using Sleeper.Core;
using Sleeper.Core.Compaction;
using Sleeper.Core.Jobs;
using Sleeper.Core.StateStore.Transactions;
using Sleeper.Core.Tables;
using Sleeper.Core.Tracking;

namespace Sleeper.Compaction;

/// <summary>What a worker did before it stopped.</summary>
public sealed record CompactionWorkerResult(string TaskId, int JobsRun, int JobsFailed, long RowsRead, long RowsWritten, int JobsDeadLettered = 0);

/// <summary>
/// A compaction task: takes jobs from the queue and runs them until the queue stays empty for the idle
/// timeout. A job that fails is handed back to the queue and retried; one that fails too often is
/// dead-lettered by the queue, silently, and the worker's sweeps of the dead letters (<see cref="CompactionDeadLetters"/>)
/// release its input files (ReleaseJobIds) so a later job can take them, and record its end. If this
/// process dies mid-job, the job reappears after the visibility timeout and another task runs it; the
/// table is unchanged until a job's one ReplaceFileReferences commit.
/// </summary>
public sealed class CompactionWorker(
    IJobQueue queue,
    IJobTracker tracker,
    Func<string, CancellationToken, Task<SleeperTable>> openTableById,
    CompactionTask task,
    TimeProvider? time = null)
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    /// <summary>How long a received job stays hidden from other tasks; extended while the job runs.</summary>
    public TimeSpan VisibilityTimeout { get; init; } = TimeSpan.FromMinutes(2);

    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMilliseconds(200);

    public string TaskId { get; } = Guid.NewGuid().ToString();

    /// <summary>Runs jobs until none has been visible for <paramref name="idleTimeout"/>; reports each finished job.</summary>
    public async Task<CompactionWorkerResult> RunAsync(TimeSpan idleTimeout, IProgress<CompactionResult>? progress = null, CancellationToken cancellationToken = default)
    {
        var deadLetters = CompactionDeadLetters.Sweep(queue, tracker, openTableById, _time, TaskId);
        var totals = await WorkerTask.RunAsync(tracker, TaskId, _time, queue, VisibilityTimeout, PollInterval, idleTimeout, deadLetters, async message =>
        {
            var (succeeded, result) = await RunOneAsync(message, cancellationToken);
            return JobAttempt.Of(succeeded, result, r =>
            {
                progress?.Report(r);
                return JobAttempt.Finished(r.RowsRead, r.RowsWritten);
            });
        }, cancellationToken);
        return new CompactionWorkerResult(TaskId, totals.JobsRun, totals.JobsFailed, totals.RowsRead, totals.RowsWritten, totals.JobsDeadLettered);
    }

    private async Task<(bool Succeeded, CompactionResult? Result)> RunOneAsync(QueuedMessage message, CancellationToken cancellationToken)
    {
        CompactionJob job;
        try
        {
            job = CompactionJobSerDe.FromJson(message.Body);
        }
        catch (Exception e) when (e is SleeperException or System.Text.Json.JsonException)
        {
            // A message no task could ever run: let it go to the dead letters.
            await queue.ReleaseAsync(message, cancellationToken);
            return (false, null);
        }
        await tracker.RecordAsync(new JobEvent(job.TableId, job.JobId, JobEventKind.Started, _time.GetUtcNow(), TaskId, job.PartitionId), cancellationToken);
        await using var extender = VisibilityExtender.Start(queue, message, VisibilityTimeout, _time);
        // The work stops early if another worker takes the job over meanwhile.
        using var work = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, extender.ClaimLostToken);
        try
        {
            var table = await openTableById(job.TableId, cancellationToken);
            if (!await TakeInputsAsync(table, job, work.Token))
            {
                // No attempt could ever commit this job: an earlier attempt committed and then died before it could
                // delete the message (its output may since have been compacted again and garbage collected), or the
                // job's assignment never committed and its files went to another job. Retrying would only fail until
                // the job is dead-lettered.
                await extender.StopAsync();
                await queue.DeleteAsync(message, cancellationToken);
                var state = await table.StateStore.GetStateAsync(cancellationToken);
                var committed = state.Files.Keys.Any(job.IsOutputOfAnAttempt);
                if (committed)
                {
                    await CompactionLeftovers.DeleteAsync(table, job, cancellationToken);
                }
                // On its first delivery, with no attempt before this one started (the tracker holds this attempt's
                // start alone), the job never held its inputs: its assignment never committed because another job
                // took them first (two schedulers planned the same files, say). That plan lost a race, which is no
                // failure. A rare path, so reading the table's job events costs little.
                var superseded = !committed && message.ReceiveCount <= 1 && (await tracker.ReadJobEventsAsync(job.TableId, cancellationToken))
                    .Count(e => e.JobId == job.JobId && e.Kind == JobEventKind.Started) <= 1;
                await tracker.RecordAsync(committed
                    ? new JobEvent(job.TableId, job.JobId, JobEventKind.Committed, _time.GetUtcNow(), TaskId, job.PartitionId)
                    : new JobEvent(job.TableId, job.JobId, JobEventKind.Failed, _time.GetUtcNow(), TaskId, job.PartitionId,
                        Reason: superseded
                            ? JobEventReasons.Superseded + "its input files were assigned to another job before its own assignment committed; not run"
                            : "its input files are no longer assigned to it, so it cannot run (an earlier attempt probably committed, and its output has since been replaced, or another job took them); not retried"), cancellationToken);
                return (true, null);
            }
            // The claim is renewed just before the commit: an attempt that lost it does not commit.
            var result = await task.RunAsync(table, job, work.Token, extender.HoldForCommitAsync);
            await tracker.RecordAsync(new JobEvent(job.TableId, job.JobId, JobEventKind.Finished, result.FinishTime, TaskId, job.PartitionId,
                job.InputFiles.Count, result.RowsRead, result.RowsWritten), cancellationToken);
            await tracker.RecordAsync(new JobEvent(job.TableId, job.JobId, JobEventKind.Committed, _time.GetUtcNow(), TaskId, job.PartitionId), cancellationToken);
            await extender.StopAsync();
            await queue.DeleteAsync(message, cancellationToken);
            await CompactionLeftovers.DeleteAsync(table, job, cancellationToken);
            return (true, result);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The worker is stopping: the queue poller hands the job back at once (QueuePoller).
            await tracker.RecordAsync(new JobEvent(job.TableId, job.JobId, JobEventKind.Failed, _time.GetUtcNow(), TaskId, job.PartitionId,
                Reason: "the worker was stopped before it committed the job; handed back to the queue"), CancellationToken.None);
            throw;
        }
        catch (Exception e)
        {
            await extender.StopAsync();
            var lost = extender.ClaimLost;
            var reason = lost && e is not ClaimLostException ? new ClaimLostException(queue.Name, message.MessageId).Message : e.Message;
            await tracker.RecordAsync(new JobEvent(job.TableId, job.JobId, JobEventKind.Failed, _time.GetUtcNow(), TaskId, job.PartitionId, Reason: reason), CancellationToken.None);
            if (!lost)
            {
                // A lost job is another worker's now: only one still held is handed back.
                await queue.ReleaseAsync(message, CancellationToken.None);
            }
            return (false, null);
        }
    }

    /// <summary>
    /// Whether this job holds its inputs, assigning them to it first if its assignment never committed: the creator
    /// sends a job's message before it commits the assignment, so a creator that died in between (or whose commit
    /// lost a race with another creator) leaves a message for a job whose files are still free. False when the
    /// inputs are not this job's and cannot become so (committed by an earlier attempt, or taken by another job).
    /// </summary>
    private static async Task<bool> TakeInputsAsync(SleeperTable table, CompactionJob job, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var state = await table.StateStore.GetStateAsync(cancellationToken);
            var references = job.InputFiles.Select(f => state.TryGetReference(f, job.PartitionId, out var r) ? r : null).ToList();
            if (references.Any(r => r?.JobId == job.JobId))
            {
                // Its own, or partly so (which the task reports as a failure): either way, this job's to run.
                return true;
            }
            if (references.Any(r => r is null || r.JobId is not null))
            {
                return false;
            }
            try
            {
                await table.StateStore.CommitAsync(new AssignJobIdsTransaction([new AssignJobIdRequest(job.JobId, job.PartitionId, job.InputFiles)]), cancellationToken);
                return true;
            }
            catch (StateStoreValidationException) when (attempt < 3)
            {
                // Someone assigned or replaced some of them meanwhile: look again.
            }
        }
    }
}
