using Sleeper.Core.Files;

namespace Sleeper.Ingest;

/// <summary>What one ingest committed: its rows and the file references of its one AddFiles transaction.</summary>
public sealed record IngestResult(long RowsWritten, int FilesWritten, IReadOnlyList<FileReference> References);
