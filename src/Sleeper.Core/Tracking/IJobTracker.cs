namespace Sleeper.Core.Tracking;

/// <summary>The port for recording and reading jobs' and tasks' lives (a file in embedded mode, a database table distributed).</summary>
public interface IJobTracker
{
    Task RecordAsync(JobEvent jobEvent, CancellationToken cancellationToken = default);

    Task RecordAsync(TaskEvent taskEvent, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<JobEvent>> ReadJobEventsAsync(string? tableId, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<TaskEvent>> ReadTaskEventsAsync(CancellationToken cancellationToken = default);
}
