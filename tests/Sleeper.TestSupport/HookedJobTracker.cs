using Sleeper.Core.Tracking;

namespace Sleeper.TestSupport;

/// <summary>A real tracker that runs a hook after each job event is recorded: where a test stops or stalls a worker.</summary>
public sealed class HookedJobTracker(IJobTracker inner) : IJobTracker
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

    public async Task<bool> RecordOnceAsync(JobEvent jobEvent, CancellationToken cancellationToken = default)
    {
        var recorded = await inner.RecordOnceAsync(jobEvent, cancellationToken);
        if (recorded && AfterJobEvent is { } hook)
        {
            await hook(jobEvent);
        }
        return recorded;
    }

    public Task RecordAsync(TaskEvent taskEvent, CancellationToken cancellationToken = default) => inner.RecordAsync(taskEvent, cancellationToken);

    public Task<IReadOnlyList<JobEvent>> ReadJobEventsAsync(string? tableId, CancellationToken cancellationToken = default) => inner.ReadJobEventsAsync(tableId, cancellationToken);

    public Task<IReadOnlyList<TaskEvent>> ReadTaskEventsAsync(CancellationToken cancellationToken = default) => inner.ReadTaskEventsAsync(cancellationToken);
}
