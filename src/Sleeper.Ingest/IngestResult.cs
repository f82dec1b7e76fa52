using Sleeper.Core.Files;

namespace Sleeper.Ingest;

/// <summary>What one ingest committed: its rows and the file references of its one AddFiles transaction.</summary>
public sealed record IngestResult(long RowsWritten, int FilesWritten, IReadOnlyList<FileReference> References, IngestStatistics? Statistics = null);

/// <summary>
/// How an ingest used memory, scratch space and time: the sorted runs it spilled, the most it held in memory,
/// and how long it took to read and sort, then to merge and write.
/// </summary>
public sealed record IngestStatistics(int SpilledRuns, long SpilledBytes, long PeakHeldBytes, TimeSpan ReadAndSort = default, TimeSpan MergeAndWrite = default);
