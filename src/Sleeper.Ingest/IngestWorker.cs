using Sleeper.Core;
using Sleeper.Core.Files;
using Sleeper.Core.Ingest;
using Sleeper.Core.Jobs;
using Sleeper.Core.StateStore;
using Sleeper.Core.StateStore.Transactions;
using Sleeper.Core.Storage;
using Sleeper.Core.Tables;
using Sleeper.Core.Tracking;
using Sleeper.Ingest.Input;
using Sleeper.Core.Telemetry;

namespace Sleeper.Ingest;

/// <summary>What an ingest worker did before it stopped.</summary>
public sealed record IngestWorkerResult(string TaskId, int JobsRun, int JobsFailed, long RowsWritten, int JobsDeadLettered = 0);

/// <summary>
/// An ingest task: takes ingest jobs from the queue and runs them until the queue stays empty for the idle
/// timeout. Every input's schema is checked before anything is written; a job that fails is handed back and
/// retried, and one that fails too often is dead-lettered by the queue; the worker's sweeps of the dead letters
/// (<see cref="IngestDeadLetters"/>) record that end on the tracker. Each job's rows are committed exactly once.
/// </summary>
/// <remarks>
/// <para>
/// At-least-once delivery means a job can come round again after its commit, when a worker dies between its
/// AddFiles commit and deleting the message. To make that harmless, the worker writes the job's files without
/// committing them, records their names in the job tracker (the Finished event), and only then commits them
/// itself. An attempt starts by reading the tracker and the table (<see cref="EarlierAttempts"/>): a job that
/// an earlier attempt committed is recognised as done and its message deleted, with nothing ingested again.
/// </para>
/// <para>
/// Just before committing, the worker renews its claim on the message (<see cref="VisibilityExtender.HoldForCommitAsync"/>).
/// If another worker has taken the job over meanwhile (this one stalled past its visibility timeout), the renewal
/// fails and this attempt gives up without committing; if it succeeds, nobody else can receive the job for a whole
/// visibility timeout, which the one commit fits well within. A claim found lost earlier stops the work at once.
/// And should a queue deliver one message to two workers at once, the table itself accepts only one AddFiles per
/// job id (<see cref="JobAlreadyCommittedException"/>). So two attempts never both commit.
/// </para>
/// </remarks>
public sealed class IngestWorker(
    IJobQueue queue,
    IJobTracker tracker,
    Func<IngestJob, CancellationToken, Task<SleeperTable>> openTable,
    TimeProvider? time = null)
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    /// <summary>How long a received job stays hidden from other tasks; extended while the job runs.</summary>
    public TimeSpan VisibilityTimeout { get; init; } = TimeSpan.FromMinutes(2);

    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Where ingest spills sorted runs (sleeper.ingest.scratch.folder); the system's temporary folder when null.</summary>
    public string? ScratchFolder { get; init; }

    public string TaskId { get; init; } = Guid.NewGuid().ToString();

    /// <summary>Where the jobs' input files are read from: local paths unless the composition root gives a store that reads others too (s3://).</summary>
    public IInputFileStore InputFiles { get; init; } = LocalInputFileStore.Instance;

    /// <summary>Runs jobs until none has been visible for <paramref name="idleTimeout"/>; reports each committed job.</summary>
    public async Task<IngestWorkerResult> RunAsync(TimeSpan idleTimeout, IProgress<IngestJobResult>? progress = null, CancellationToken cancellationToken = default)
    {
        var deadLetters = IngestDeadLetters.Sweep(queue, tracker, openTable, _time, TaskId);
        var totals = await WorkerTask.RunAsync(tracker, TaskId, _time, queue, VisibilityTimeout, PollInterval, idleTimeout, deadLetters, async message =>
        {
            var (succeeded, result) = await RunOneAsync(message, cancellationToken);
            return JobAttempt.Of(succeeded, result, r =>
            {
                progress?.Report(r);
                // Ingest reads every row it writes.
                return JobAttempt.Finished(r.RowsWritten, r.RowsWritten);
            });
        }, cancellationToken);
        return new IngestWorkerResult(TaskId, totals.JobsRun, totals.JobsFailed, totals.RowsWritten, totals.JobsDeadLettered);
    }

    /// <summary>One attempt at one job: (false, null) if it failed, (true, null) if an earlier attempt had already committed it.</summary>
    private async Task<(bool Succeeded, IngestJobResult? Result)> RunOneAsync(QueuedMessage message, CancellationToken cancellationToken)
    {
        IngestJob job;
        try
        {
            job = IngestJobSerDe.IngestFromJson(message.Body);
        }
        catch (SleeperException)
        {
            // A message no task could ever run: let it go to the dead letters.
            await queue.ReleaseAsync(message, cancellationToken);
            return (false, null);
        }
        var tableId = job.TableId ?? job.TableName!;
        // Continues the submitter's trace, so one trace runs from submission through this attempt to its commit.
        using var span = SleeperTelemetry.StartContinued("ingest.job", job.TraceParent);
        span?.SetTag("sleeper.job.id", job.Id);
        span?.SetTag("sleeper.task.id", TaskId);
        await using var extender = VisibilityExtender.Start(queue, message, VisibilityTimeout, _time);
        // The work stops early if another worker takes the job over meanwhile.
        using var work = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, extender.ClaimLostToken);
        IReadOnlyList<string> outputs = [];
        var committed = false;
        SleeperTable? table = null;
        try
        {
            table = await openTable(job, cancellationToken);
            tableId = table.Id;
            if (await RecogniseEarlierAttemptsAsync(table, job, work.Token))
            {
                await extender.StopAsync();
                await queue.DeleteAsync(message, cancellationToken);
                return (true, null);
            }
            var start = _time.GetUtcNow();
            await tracker.RecordAsync(new JobEvent(table.Id, job.Id, JobEventKind.Started, start, TaskId, InputFiles: job.Files.Count, Files: job.Files), cancellationToken);
            var inputs = await IngestInputs.ResolveAsync(job.Files, format: null, InputFiles, cancellationToken: work.Token);
            InputSchemaCheck.CheckAll(inputs, table.Schema, work.Token);
            var ingested = await new IngestRunner(table, ScratchFolder).WriteAsync(inputs, cancellationToken: work.Token);
            outputs = ingested.References.Select(r => r.Filename).Distinct(StringComparer.Ordinal).ToList();
            var finish = _time.GetUtcNow();
            await tracker.RecordAsync(new JobEvent(table.Id, job.Id, JobEventKind.Finished, finish, TaskId, InputFiles: job.Files.Count,
                RowsRead: ingested.RowsWritten, RowsWritten: ingested.RowsWritten, OutputFiles: outputs), cancellationToken);
            await extender.HoldForCommitAsync(cancellationToken);
            OrphanCollectionRule.EnsureCanCommit(table, start, _time);
            await CommitAsync(table, job, ingested);
            committed = true;
            await tracker.RecordAsync(new JobEvent(table.Id, job.Id, JobEventKind.Committed, _time.GetUtcNow(), TaskId), CancellationToken.None);
            await queue.DeleteAsync(message, CancellationToken.None);
            return (true, new IngestJobResult(job.Id, table.Name, ingested.RowsWritten, outputs.Count, start, finish));
        }
        catch (CommitOutcomeUnknownException)
        {
            // Nothing is recorded and the files stay: the next attempt finds out from the table whether they were
            // committed, and either finishes the bookkeeping or deletes them and runs the job again.
            await queue.ReleaseAsync(message, CancellationToken.None);
            return (false, null);
        }
        catch (JobAlreadyCommittedException)
        {
            // The job was delivered twice and another attempt committed it first: it is done, and this attempt's
            // files were never referenced. Failed is recorded under this task before they go (see EarlierAttempts).
            await tracker.RecordAsync(new JobEvent(tableId, job.Id, JobEventKind.Failed, _time.GetUtcNow(), TaskId,
                Reason: $"another attempt committed the job first; this attempt's {outputs.Count} file(s) were deleted"), CancellationToken.None);
            await new IngestRunner(table!).DeleteFilesAsync(outputs);
            await tracker.RecordAsync(new JobEvent(tableId, job.Id, JobEventKind.Committed, _time.GetUtcNow(), TaskId,
                Reason: "recognised as committed by another attempt"), CancellationToken.None);
            await queue.DeleteAsync(message, CancellationToken.None);
            return (true, null);
        }
        catch (Exception e) when (!committed)
        {
            await extender.StopAsync();
            var cancelled = e is OperationCanceledException && cancellationToken.IsCancellationRequested;
            var lost = extender.ClaimLost;
            var reason = cancelled ? "the worker was stopped before it committed the job"
                : lost && e is not ClaimLostException ? new ClaimLostException(queue.Name, message.MessageId).Message
                : e.Message;
            // Failed is recorded before the files go, so a later attempt never mistakes them for committed ones.
            await tracker.RecordAsync(new JobEvent(tableId, job.Id, JobEventKind.Failed, _time.GetUtcNow(), TaskId, Reason: reason), CancellationToken.None);
            if (table is not null)
            {
                await new IngestRunner(table).DeleteFilesAsync(outputs);
            }
            if (cancelled)
            {
                // The worker is stopping: the queue poller hands the job back at once (QueuePoller).
                throw;
            }
            if (!lost)
            {
                // A lost job is another worker's now: only one still held is handed back.
                await queue.ReleaseAsync(message, CancellationToken.None);
            }
            return (false, null);
        }
        catch (Exception) when (committed)
        {
            // The rows are in the table; only the bookkeeping after the commit failed. The message comes round
            // again and the next attempt finds the files in the table and finishes the bookkeeping.
            await queue.ReleaseAsync(message, CancellationToken.None);
            return (true, null);
        }
    }

    /// <summary>
    /// Commits the files in one AddFiles under the job's id, so the table takes them only once per job. If the
    /// commit throws, nothing was appended, unless it says its outcome is unknown
    /// (<see cref="CommitOutcomeUnknownException"/>): then the files stay for the next attempt to settle.
    /// </summary>
    private static async Task CommitAsync(SleeperTable table, IngestJob job, IngestResult ingested)
    {
        if (ingested.References.Count == 0)
        {
            return;
        }
        // Not cancellable: a cancelled commit is settled before it returns, but there is no reason to stop one.
        await table.StateStore.CommitAsync(new AddFilesTransaction(ingested.References, job.Id), CancellationToken.None);
        SleeperTelemetry.RowsIngested.Add(ingested.RowsWritten, new KeyValuePair<string, object?>("table", table.Name));
    }

    /// <summary>Recognises a job an earlier attempt committed; clears up after attempts that died before committing.</summary>
    private async Task<bool> RecogniseEarlierAttemptsAsync(SleeperTable table, IngestJob job, CancellationToken cancellationToken)
    {
        var events = (await tracker.ReadJobEventsAsync(table.Id, cancellationToken)).Where(e => e.JobId == job.Id).ToList();
        var state = await table.StateStore.GetStateAsync(cancellationToken);
        var earlier = state.HasCommittedJob(job.Id)
            ? new EarlierAttempts(true, "the table records the job's commit", [])
            : await EarlierAttempts.AssessAsync(events, state, table.Objects, cancellationToken);
        if (earlier.Committed)
        {
            if (!events.Any(e => e.Kind == JobEventKind.Committed))
            {
                await tracker.RecordAsync(new JobEvent(table.Id, job.Id, JobEventKind.Committed, _time.GetUtcNow(), TaskId,
                    Reason: $"recognised as committed by an earlier attempt: {earlier.Evidence}"), cancellationToken);
            }
            return true;
        }
        foreach (var abandoned in earlier.Uncommitted)
        {
            // This worker holds the job now, so the attempt that wrote these can no longer commit them (it would
            // fail to renew its claim first). Recorded as failed under its own task id before they are deleted.
            await tracker.RecordAsync(new JobEvent(table.Id, job.Id, JobEventKind.Failed, _time.GetUtcNow(), abandoned.TaskId,
                Reason: $"the worker died after writing {abandoned.Files.Count} file(s) and before committing them; they were deleted"), cancellationToken);
            await new IngestRunner(table).DeleteFilesAsync(abandoned.Files);
        }
        return false;
    }
}
