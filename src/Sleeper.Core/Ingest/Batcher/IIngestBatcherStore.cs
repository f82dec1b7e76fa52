namespace Sleeper.Core.Ingest.Batcher;

/// <summary>
/// The port for the ingest batcher's record of files: those pending, per table, and the jobs they were batched
/// into. Implementations must make <see cref="TryAssignJobsAsync"/> all-or-nothing against every other writer, so
/// two batchers running at once never put one file in two jobs.
/// </summary>
public interface IIngestBatcherStore
{
    /// <summary>
    /// Adds the files as pending for the table in one step. A file already pending for the table is left as it is
    /// (with its first received time), as is a file given twice; returns the requests that were added.
    /// </summary>
    Task<IReadOnlyList<FileIngestRequest>> AddFilesAsync(string tableId, IReadOnlyList<FileIngestRequest> files, CancellationToken cancellationToken = default);

    /// <summary>The table's pending files, in the order they arrived.</summary>
    Task<IReadOnlyList<FileIngestRequest>> GetPendingFilesAsync(string tableId, CancellationToken cancellationToken = default);

    /// <summary>The table's jobs (the batched files, each with its job), oldest first.</summary>
    Task<IReadOnlyList<IngestBatcherJob>> GetJobsAsync(string tableId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Records the jobs and takes their files out of the pending set, all or nothing: only if every file of every
    /// job is still pending as the same request. Returns false, changing nothing, if any is not (another batcher
    /// took it); the caller then looks at the pending files again.
    /// </summary>
    Task<bool> TryAssignJobsAsync(string tableId, IReadOnlyList<IngestBatcherJob> jobs, CancellationToken cancellationToken = default);

    /// <summary>Records that the jobs' messages were sent to their queues.</summary>
    Task MarkJobsSentAsync(string tableId, IReadOnlyList<string> jobIds, DateTimeOffset sentTime, CancellationToken cancellationToken = default);
}
