using Sleeper.Core.Tracking;

namespace Sleeper.Ingest.Tests;

/// <summary>A real tracker that runs a hook after each job event is recorded: a test's way to stop a worker at a chosen point.</summary>
public sealed class InterceptingTracker(IJobTracker inner) : IJobTracker
{
    public Func<JobEvent, Task>? AfterJobEvent { get; set; }

    public async Task RecordAsync(JobEvent jobEvent, CancellationToken cancellationToken = default)
    {
        await inner.RecordAsync(jobEvent, cancellationToken);
        if (AfterJobEvent is { } hook)
        {
            await hook(jobEvent);
        }
    }

    public Task RecordAsync(TaskEvent taskEvent, CancellationToken cancellationToken = default) => inner.RecordAsync(taskEvent, cancellationToken);

    public Task<IReadOnlyList<JobEvent>> ReadJobEventsAsync(string? tableId, CancellationToken cancellationToken = default) => inner.ReadJobEventsAsync(tableId, cancellationToken);

    public Task<IReadOnlyList<TaskEvent>> ReadTaskEventsAsync(CancellationToken cancellationToken = default) => inner.ReadTaskEventsAsync(cancellationToken);
}
