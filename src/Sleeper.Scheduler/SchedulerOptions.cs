using Sleeper.Core.Properties;

namespace Sleeper.Scheduler;

/// <summary>
/// What the scheduler runs and how often: read from the instance's properties (<see cref="SchedulerProperty"/>) by
/// <see cref="FromProperties"/>; tests and the demo may change any of it.
/// </summary>
public sealed record SchedulerOptions
{
    /// <summary>The interval of each scheduled trigger; a trigger missing here does not run.</summary>
    public IReadOnlyDictionary<ScheduledOperation, TimeSpan> Periods { get; init; } = new Dictionary<ScheduledOperation, TimeSpan>();

    /// <summary>How many task workers of each kind may run in this process at once; a kind missing here (or 0) starts none.</summary>
    public IReadOnlyDictionary<TaskWorkerKind, int> MaxTasks { get; init; } = new Dictionary<TaskWorkerKind, int>();

    /// <summary>How often the queues' depths are read to start task workers.</summary>
    public TimeSpan TaskCreationPeriod { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>A task worker stops once its queue has had nothing for it this long.</summary>
    public TimeSpan TaskIdleTimeout { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>The scheduler's clock (its timers); null for the instance's. Tests give a fake one.</summary>
    public TimeProvider? Time { get; init; }

    /// <summary>How often the job queues are checked for a backlog that does not fall (<see cref="QueueWatchService"/>); zero: never.</summary>
    public TimeSpan QueueWatchPeriod { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>Run the scheduled triggers (false: only the task workers).</summary>
    public bool RunTriggers { get; init; } = true;

    /// <summary>Start task workers as their queues fill (false: only the triggers, for a fleet of separate workers).</summary>
    public bool RunTaskWorkers { get; init; } = true;

    /// <summary>Every trigger and worker limit as the instance's properties say.</summary>
    public static SchedulerOptions FromProperties(SleeperProperties properties) => new()
    {
        Periods = new Dictionary<ScheduledOperation, TimeSpan>
        {
            [ScheduledOperation.CompactionJobCreation] = SchedulerProperty.Period(properties, SchedulerProperty.CompactionJobCreationPeriodMinutes),
            [ScheduledOperation.PartitionSplitting] = SchedulerProperty.Period(properties, SchedulerProperty.PartitionSplittingPeriodMinutes),
            [ScheduledOperation.GarbageCollection] = SchedulerProperty.Period(properties, SchedulerProperty.GarbageCollectorPeriodMinutes),
            [ScheduledOperation.StateStoreSnapshot] = SchedulerProperty.Period(properties, SchedulerProperty.SnapshotCreationPeriodMinutes),
            [ScheduledOperation.IngestBatcher] = SchedulerProperty.Period(properties, SchedulerProperty.IngestBatcherJobCreationPeriodMinutes),
        },
        MaxTasks = new Dictionary<TaskWorkerKind, int>
        {
            [TaskWorkerKind.Compaction] = properties.GetInt(SchedulerProperty.CompactionMaxConcurrentTasks),
            [TaskWorkerKind.Ingest] = properties.GetInt(SchedulerProperty.IngestMaxConcurrentTasks),
            [TaskWorkerKind.BulkImport] = properties.GetInt(SchedulerProperty.BulkImportMaxConcurrentTasks),
            [TaskWorkerKind.Query] = properties.GetInt(SchedulerProperty.QueryMaxConcurrentTasks),
        },
        TaskCreationPeriod = SchedulerProperty.Period(properties, SchedulerProperty.TaskCreationPeriodSeconds),
        TaskIdleTimeout = SchedulerProperty.Period(properties, SchedulerProperty.TaskIdleTimeoutSeconds),
    };
}
