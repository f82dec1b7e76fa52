namespace Sleeper.Scheduler;

/// <summary>The scheduled triggers, each run for every online table on its own interval.</summary>
public enum ScheduledOperation
{
    /// <summary>Creates compaction jobs by each table's strategy and sends them to the compaction queue.</summary>
    CompactionJobCreation,

    /// <summary>Splits each leaf partition holding more rows than the table's threshold.</summary>
    PartitionSplitting,

    /// <summary>Deletes files no longer referenced, orphans and abandoned writes.</summary>
    GarbageCollection,

    /// <summary>Writes a state store snapshot, then deletes transactions behind old enough snapshots.</summary>
    StateStoreSnapshot,

    /// <summary>Runs the ingest batcher: batches pending files by the table's rules and re-sends jobs never sent.</summary>
    IngestBatcher,
}
