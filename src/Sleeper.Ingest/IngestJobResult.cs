namespace Sleeper.Ingest;

/// <summary>What one queued ingest job committed, and how fast.</summary>
public sealed record IngestJobResult(string JobId, string TableName, long RowsWritten, int FilesWritten, DateTimeOffset StartTime, DateTimeOffset FinishTime)
{
    public double RowsPerSecond => FinishTime > StartTime ? RowsWritten / (FinishTime - StartTime).TotalSeconds : 0;
}
