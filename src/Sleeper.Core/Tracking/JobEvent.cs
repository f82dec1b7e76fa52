namespace Sleeper.Core.Tracking;

/// <summary>What happened to a job: created, started, finished, committed or failed.</summary>
public enum JobEventKind
{
    Created,
    Started,
    Finished,
    Committed,
    Failed,
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

/// <summary>One event in a task's life (a process or worker that runs jobs).</summary>
public sealed record TaskEvent(string TaskId, bool Finished, DateTimeOffset Time, int? JobsRun = null, long? RowsRead = null, long? RowsWritten = null);
