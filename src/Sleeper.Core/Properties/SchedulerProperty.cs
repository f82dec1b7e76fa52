using System.Globalization;

namespace Sleeper.Core.Properties;

/// <summary>Instance properties of the scheduled work of sleeper serve: trigger intervals and task worker limits.</summary>
/// <remarks>
/// The periods keep Sleeper's names, which count in minutes, but take fractions: Sleeper's defaults (one to ten
/// minutes, sized for a fleet of lambdas) are shortened to tens of seconds for one machine, where a trigger round
/// over a quiet table costs a few reads of local files.
/// </remarks>
public static class SchedulerProperty
{
    public static readonly PropertyDefinition CompactionJobCreationPeriodMinutes = PositiveMinutes(
        "sleeper.compaction.job.creation.period.minutes", "0.5",
        "How often the scheduler creates compaction jobs for every online table (Sleeper: 1).");

    public static readonly PropertyDefinition PartitionSplittingPeriodMinutes = PositiveMinutes(
        "sleeper.partition.splitting.period.minutes", "0.5",
        "How often the scheduler looks for partitions to split in every online table (Sleeper: 2).");

    public static readonly PropertyDefinition GarbageCollectorPeriodMinutes = PositiveMinutes(
        "sleeper.gc.period.minutes", "1",
        "How often the scheduler runs the garbage collector over every online table (Sleeper: 15).");

    public static readonly PropertyDefinition SnapshotCreationPeriodMinutes = PositiveMinutes(
        "sleeper.statestore.transactionlog.snapshot.creation.lambda.period.minutes", "1",
        "How often the scheduler writes a state store snapshot of every online table, then deletes transactions behind snapshots older than " +
        "sleeper.statestore.transactionlog.delete.behind.snapshot.min.age.minutes (Sleeper: 5, its snapshot creation lambda; deletion is a second lambda there).");

    public static readonly PropertyDefinition IngestBatcherJobCreationPeriodMinutes = PositiveMinutes(
        "sleeper.ingest.batcher.job.creation.period.minutes", "0.5",
        "How often the scheduler runs the ingest batcher for every online table: batches pending files by the table's rules and re-sends jobs never sent (Sleeper: 1).");

    public static readonly PropertyDefinition TaskCreationPeriodSeconds = PositiveMinutesAsSeconds(
        "sleeper.scheduler.task.creation.period.seconds", "5",
        "How often the scheduler reads the depth of the compaction, ingest, bulk import and query queues to start task workers (Sleeper: one minute per kind).");

    public static readonly PropertyDefinition TaskIdleTimeoutSeconds = PositiveMinutesAsSeconds(
        "sleeper.scheduler.task.idle.timeout.seconds", "20",
        "A task worker started by the scheduler stops once its queue has had nothing for it this long.");

    public static readonly PropertyDefinition CompactionMaxConcurrentTasks = PropertyDefinition.NonNegativeInt(
        "sleeper.compaction.max.concurrent.tasks", 2,
        "At most this many compaction task workers run in the scheduler's process at once (0: none; Sleeper: 300).");

    public static readonly PropertyDefinition IngestMaxConcurrentTasks = PropertyDefinition.NonNegativeInt(
        "sleeper.ingest.max.concurrent.tasks", 2,
        "At most this many ingest task workers run in the scheduler's process at once (0: none; Sleeper: 200).");

    public static readonly PropertyDefinition BulkImportMaxConcurrentTasks = PropertyDefinition.NonNegativeInt(
        "sleeper.bulk.import.max.concurrent.tasks", 1,
        "At most this many bulk import task workers run in the scheduler's process at once (0: none).");

    public static readonly PropertyDefinition QueryMaxConcurrentTasks = PropertyDefinition.NonNegativeInt(
        "sleeper.query.max.concurrent.tasks", 2,
        "At most this many query task workers run in the scheduler's process at once (0: none).");

    public static readonly IReadOnlyList<PropertyDefinition> All =
    [
        CompactionJobCreationPeriodMinutes, PartitionSplittingPeriodMinutes, GarbageCollectorPeriodMinutes, SnapshotCreationPeriodMinutes,
        IngestBatcherJobCreationPeriodMinutes, TaskCreationPeriodSeconds, TaskIdleTimeoutSeconds, CompactionMaxConcurrentTasks,
        IngestMaxConcurrentTasks, BulkImportMaxConcurrentTasks, QueryMaxConcurrentTasks,
    ];

    /// <summary>A period property's value as a time span (minutes for the ".minutes" names, seconds for ".seconds").</summary>
    public static TimeSpan Period(SleeperProperties properties, PropertyDefinition definition)
    {
        var value = double.Parse(properties.Get(definition)!, NumberStyles.Float, CultureInfo.InvariantCulture);
        return definition.Name.EndsWith(".seconds", StringComparison.Ordinal) ? TimeSpan.FromSeconds(value) : TimeSpan.FromMinutes(value);
    }

    private static PropertyDefinition PositiveMinutes(string name, string defaultValue, string description) =>
        new(name, defaultValue, description,
            v => double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && d > 0 && d <= 24 * 60 ? null : "is not a number of minutes above zero and at most a day");

    private static PropertyDefinition PositiveMinutesAsSeconds(string name, string defaultValue, string description) =>
        new(name, defaultValue, description,
            v => double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && d > 0 && d <= 24 * 3600 ? null : "is not a number of seconds above zero and at most a day");
}
