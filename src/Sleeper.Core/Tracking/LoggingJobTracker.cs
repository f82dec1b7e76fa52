using Microsoft.Extensions.Logging;

namespace Sleeper.Core.Tracking;

/// <summary>
/// A job tracker that also logs every event it records, structured, so a fleet of workers can be followed in its
/// logs as well as in the tracker's reports: a job's table, id, partition, task, rows and failure reason are fields of
/// constant message templates. Wraps the instance's tracker where a worker or command runs jobs.
/// </summary>
public sealed partial class LoggingJobTracker(IJobTracker inner, ILogger logger, string kind) : IJobTracker
{
    public async Task RecordAsync(JobEvent jobEvent, CancellationToken cancellationToken = default)
    {
        await inner.RecordAsync(jobEvent, cancellationToken);
        Log(jobEvent);
    }

    public async Task<bool> RecordOnceAsync(JobEvent jobEvent, CancellationToken cancellationToken = default)
    {
        var recorded = await inner.RecordOnceAsync(jobEvent, cancellationToken);
        if (recorded)
        {
            Log(jobEvent);
        }
        return recorded;
    }

    public async Task RecordAsync(TaskEvent taskEvent, CancellationToken cancellationToken = default)
    {
        await inner.RecordAsync(taskEvent, cancellationToken);
        if (taskEvent.Finished)
        {
            TaskFinished(logger, kind, taskEvent.TaskId, taskEvent.JobsRun ?? 0, taskEvent.RowsRead ?? 0, taskEvent.RowsWritten ?? 0);
        }
        else
        {
            TaskStarted(logger, kind, taskEvent.TaskId);
        }
    }

    public Task<IReadOnlyList<JobEvent>> ReadJobEventsAsync(string? tableId, CancellationToken cancellationToken = default) =>
        inner.ReadJobEventsAsync(tableId, cancellationToken);

    public Task<IReadOnlyList<TaskEvent>> ReadTaskEventsAsync(CancellationToken cancellationToken = default) =>
        inner.ReadTaskEventsAsync(cancellationToken);

    private void Log(JobEvent e)
    {
        switch (e.Kind)
        {
            case JobEventKind.Failed:
                JobFailed(logger, kind, e.JobId, e.TableId, e.PartitionId ?? "-", e.TaskId ?? "-", e.Reason);
                break;
            case JobEventKind.DeadLettered:
                JobDeadLettered(logger, kind, e.JobId, e.TableId, e.PartitionId ?? "-", e.Reason);
                break;
            case JobEventKind.Finished:
                JobFinished(logger, kind, e.JobId, e.TableId, e.PartitionId ?? "-", e.TaskId ?? "-", e.InputFiles ?? 0, e.RowsRead ?? 0, e.RowsWritten ?? 0);
                break;
            default:
                JobEventRecorded(logger, kind, e.JobId, e.Kind, e.TableId, e.PartitionId ?? "-", e.TaskId ?? "-");
                break;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Kind} task {TaskId} started")]
    private static partial void TaskStarted(ILogger logger, string kind, string taskId);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Kind} task {TaskId} finished: {JobsRun} job(s) run, {RowsRead} rows read, {RowsWritten} rows written")]
    private static partial void TaskFinished(ILogger logger, string kind, string taskId, int jobsRun, long rowsRead, long rowsWritten);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Kind} job {JobId} {Event} (table {TableId}, partition {PartitionId}, task {TaskId})")]
    private static partial void JobEventRecorded(ILogger logger, string kind, string jobId, JobEventKind @event, string tableId, string? partitionId, string? taskId);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Kind} job {JobId} finished (table {TableId}, partition {PartitionId}, task {TaskId}): {InputFiles} input file(s), {RowsRead} rows read, {RowsWritten} rows written")]
    private static partial void JobFinished(ILogger logger, string kind, string jobId, string tableId, string? partitionId, string? taskId, int inputFiles, long rowsRead, long rowsWritten);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Kind} job {JobId} failed (table {TableId}, partition {PartitionId}, task {TaskId}): {Reason}")]
    private static partial void JobFailed(ILogger logger, string kind, string jobId, string tableId, string? partitionId, string? taskId, string? reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Kind} job {JobId} was dead-lettered (table {TableId}, partition {PartitionId}): {Reason}")]
    private static partial void JobDeadLettered(ILogger logger, string kind, string jobId, string tableId, string? partitionId, string? reason);
}
