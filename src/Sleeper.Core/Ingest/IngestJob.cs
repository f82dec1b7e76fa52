namespace Sleeper.Core.Ingest;

/// <summary>
/// A queued ingest job: read these files (Parquet, CSV or JSON lines; folders are read recursively) into the
/// table, committing all of them in one AddFiles. Sleeper's JSON form: {"id", "tableName", "tableId", "files"}.
/// </summary>
public sealed record IngestJob(string Id, string? TableName, string? TableId, IReadOnlyList<string> Files);

/// <summary>A queued bulk import job: the same inputs, loaded by the parallel bulk import path.</summary>
public sealed record BulkImportJob(string Id, string? TableName, string? TableId, IReadOnlyList<string> Files);
