namespace Sleeper.Core.Ingest.Batcher;

/// <summary>A file handed to the ingest batcher for a table: where it is, how big, and when the batcher got it.</summary>
public sealed record FileIngestRequest(string File, long FileSizeBytes, string TableId, DateTimeOffset ReceivedTime);
