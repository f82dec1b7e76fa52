namespace Sleeper.Core.Jobs;

/// <summary>A dead letter as the capability that owns its queue reads it: the job it names and the table the job belongs to.</summary>
/// <param name="TableId">The table's id, or, for a job that named its table only by name and whose table is gone, that name.</param>
public sealed record DeadLetteredJob(string TableId, string JobId, string? PartitionId, QueuedMessage Letter);

/// <summary>
/// What a capability (compaction, ingest, bulk import) knows about the dead letters of its queue: which job each
/// names, and what must be made good once a job of its kind will never run again. A <see cref="DeadLetterSweep"/>
/// calls it.
/// </summary>
public interface IDeadLetterHandler
{
    /// <summary>The job a dead letter names, or null when its body is no job of this queue (it holds nothing, and the dead-letters report shows it as it is).</summary>
    Task<DeadLetteredJob?> ReadAsync(QueuedMessage letter, CancellationToken cancellationToken);

    /// <summary>
    /// Makes good what the job still holds (a compaction job's input files are released), and returns a few words on
    /// the outcome for the tracker's event, or null when there is nothing to say. It must be safe to run any number
    /// of times, in several processes at once, and again after a crash half-way: the sweep calls it for every dead
    /// letter whose event is not yet recorded. A <see cref="SleeperException"/> or <see cref="IOException"/> leaves
    /// the letter for the next sweep.
    /// </summary>
    Task<string?> SettleAsync(DeadLetteredJob job, CancellationToken cancellationToken);
}
