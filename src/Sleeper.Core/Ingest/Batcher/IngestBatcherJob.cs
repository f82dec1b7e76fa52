namespace Sleeper.Core.Ingest.Batcher;

/// <summary>
/// A job the ingest batcher made from pending files: its id (also the id of the queued message's job), the queue
/// it goes to, its files in arrival order, and when its message was sent (null until it was).
/// </summary>
public sealed record IngestBatcherJob(
    string JobId, string TableId, string Queue, IReadOnlyList<FileIngestRequest> Files, DateTimeOffset CreatedTime, DateTimeOffset? SentTime = null)
{
    public long TotalBytes => Files.Sum(f => f.FileSizeBytes);
}
