namespace Sleeper.Core.Tracking;

/// <summary>The port for recording and reading jobs' and tasks' lives (a file in embedded mode, a database table distributed).</summary>
public interface IJobTracker
{
    Task RecordAsync(JobEvent jobEvent, CancellationToken cancellationToken = default);

    /// <summary>
    /// Records <paramref name="jobEvent"/> unless the tracker already holds an event of the same kind for the same job
    /// of the same table; returns whether this call recorded it. The check and the record are one step against every
    /// other caller on the same store, in any process, so a fact that several processes find at once (a dead letter,
    /// which every sweep of the queue sees) is recorded exactly once.
    /// </summary>
    Task<bool> RecordOnceAsync(JobEvent jobEvent, CancellationToken cancellationToken = default);

    Task RecordAsync(TaskEvent taskEvent, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<JobEvent>> ReadJobEventsAsync(string? tableId, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<TaskEvent>> ReadTaskEventsAsync(CancellationToken cancellationToken = default);
}
