using Microsoft.Extensions.Logging;
using Sleeper.Core.Notifications;

namespace Sleeper.Core.Tracking;

/// <summary>
/// A job tracker that also publishes the events an operator must hear of (a job failed; a job was dead-lettered and
/// will not be tried again) to an <see cref="IEventSink"/>. What the tracker records is never held up by the sink:
/// a sink that fails is logged and the job goes on.
/// </summary>
public sealed partial class NotifyingJobTracker(IJobTracker inner, IEventSink sink, string kind, TimeProvider? time = null, ILogger? logger = null) : IJobTracker
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    public async Task RecordAsync(JobEvent jobEvent, CancellationToken cancellationToken = default)
    {
        await inner.RecordAsync(jobEvent, cancellationToken).ConfigureAwait(false);
        await PublishAsync(jobEvent, cancellationToken).ConfigureAwait(false);
    }

    public async Task<bool> RecordOnceAsync(JobEvent jobEvent, CancellationToken cancellationToken = default)
    {
        var recorded = await inner.RecordOnceAsync(jobEvent, cancellationToken).ConfigureAwait(false);
        if (recorded)
        {
            await PublishAsync(jobEvent, cancellationToken).ConfigureAwait(false);
        }
        return recorded;
    }

    public Task RecordAsync(TaskEvent taskEvent, CancellationToken cancellationToken = default) => inner.RecordAsync(taskEvent, cancellationToken);

    public Task<IReadOnlyList<JobEvent>> ReadJobEventsAsync(string? tableId, CancellationToken cancellationToken = default) =>
        inner.ReadJobEventsAsync(tableId, cancellationToken);

    public Task<IReadOnlyList<TaskEvent>> ReadTaskEventsAsync(CancellationToken cancellationToken = default) => inner.ReadTaskEventsAsync(cancellationToken);

    private async Task PublishAsync(JobEvent e, CancellationToken cancellationToken)
    {
        var (name, severity, what) = e.Kind switch
        {
            JobEventKind.Failed => ("failed", EventSeverity.Warning, "failed"),
            JobEventKind.DeadLettered => ("dead-lettered", EventSeverity.Error, "was dead-lettered and will not be tried again"),
            _ => (null, EventSeverity.Warning, null),
        };
        if (name is null || JobEventReasons.IsSuperseded(e))
        {
            return;
        }
        var message = $"{kind} job {e.JobId} of table {e.TableId} {what}" + (e.Reason is { } reason ? $": {reason}" : "");
        try
        {
            await sink.PublishAsync(EventLog.Create(_time, $"{kind}-job-{name}", severity, message, e.TableId, e.JobId), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception failure) when (failure is not OperationCanceledException)
        {
            if (logger is not null)
            {
                PublishFailed(logger, kind, e.JobId, failure.Message);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not publish the event of {Kind} job {JobId}: {Reason}")]
    private static partial void PublishFailed(ILogger logger, string kind, string jobId, string reason);
}
