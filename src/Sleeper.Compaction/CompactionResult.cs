using Sleeper.Core.Files;

namespace Sleeper.Compaction;

/// <summary>What one compaction job did: rows read from its inputs (inside its partition) and written, and how long it took.</summary>
public sealed record CompactionResult(
    string JobId,
    long RowsRead,
    long RowsWritten,
    FileReference OutputReference,
    DateTimeOffset StartTime,
    DateTimeOffset FinishTime)
{
    public TimeSpan Duration => FinishTime - StartTime;

    /// <summary>Input rows merged per second of the whole job.</summary>
    public double RowsReadPerSecond => Duration > TimeSpan.Zero ? RowsRead / Duration.TotalSeconds : 0;
}
