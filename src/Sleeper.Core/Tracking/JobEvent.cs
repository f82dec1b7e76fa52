namespace Sleeper.Core.Tracking;

/// <summary>What happened to a job: created, started, finished, committed, failed (one attempt), or dead-lettered (given up for good).</summary>
public enum JobEventKind
{
    Created,
    Started,
    Finished,
    Committed,
    Failed,

    /// <summary>
    /// Its message went to the dead letters, so no attempt will follow. Recorded once per job by a
    /// <see cref="Jobs.DeadLetterSweep"/> (through <see cref="IJobTracker.RecordOnceAsync"/>); reports count it as a failure.
    /// </summary>
    DeadLettered,
}

/// <summary>
/// One event in a job's life, as recorded by a job tracker. Compaction and ingest jobs share the form;
/// fields that do not apply are null.
/// </summary>
/// <param name="Files">An ingest job's input paths (on Created and Started).</param>
/// <param name="OutputFiles">
/// The data files an ingest attempt wrote, recorded on Finished before it commits them, so that a retry can tell
/// whether a worker that died after the commit had in fact committed (see the ingest worker).
/// </param>
public sealed record JobEvent(
    string TableId,
    string JobId,
    JobEventKind Kind,
    DateTimeOffset Time,
    string? TaskId = null,
    string? PartitionId = null,
    int? InputFiles = null,
    long? RowsRead = null,
    long? RowsWritten = null,
    string? Reason = null,
    IReadOnlyList<string>? Files = null,
    IReadOnlyList<string>? OutputFiles = null);

/// <summary>Reasons a job's end is recorded with that are not failures for anyone to hear of.</summary>
public static class JobEventReasons
{
    /// <summary>
    /// The start of the reason of a compaction job whose plan lost a race: its assignment never committed because
    /// another job (of another scheduler, say) took its files first. Recorded as Failed (it did not run) but not
    /// published as a failure: nothing went wrong and nothing is lost.
    /// </summary>
    public const string Superseded = "superseded: ";

    public static bool IsSuperseded(JobEvent e) => e.Reason?.StartsWith(Superseded, StringComparison.Ordinal) == true;
}

/// <summary>One event in a task's life (a process or worker that runs jobs).</summary>
public sealed record TaskEvent(string TaskId, bool Finished, DateTimeOffset Time, int? JobsRun = null, long? RowsRead = null, long? RowsWritten = null);
