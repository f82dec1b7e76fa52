using Sleeper.Core.Files;

namespace Sleeper.Ingest;

/// <summary>What one ingest committed: its rows and the file references of its one AddFiles transaction.</summary>
public sealed record IngestResult(long RowsWritten, int FilesWritten, IReadOnlyList<FileReference> References, IngestStatistics? Statistics = null);

/// <summary>How an ingest used memory and scratch space: the sorted runs it spilled and the most it held in memory.</summary>
public sealed record IngestStatistics(int SpilledRuns, long SpilledBytes, long PeakHeldBytes);
