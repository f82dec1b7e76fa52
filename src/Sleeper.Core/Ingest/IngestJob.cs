using System.Text.Json.Serialization;
using Sleeper.Core.Telemetry;

namespace Sleeper.Core.Ingest;

/// <summary>
/// A queued ingest job: read these files (Parquet, CSV or JSON lines; folders are read recursively) into the
/// table, committing all of them in one AddFiles. Sleeper's JSON form: {"id", "tableName", "tableId", "files"}.
/// </summary>
public sealed record IngestJob(string Id, string? TableName, string? TableId, IReadOnlyList<string> Files)
{
    /// <summary>
    /// The W3C trace context of the submission, when it was traced, so the worker's span continues the same trace
    /// from submission to commit (an addition to Sleeper's JSON, left out when absent).
    /// </summary>
    [JsonPropertyName(SleeperTelemetry.TraceParentField)]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? TraceParent { get; init; }
}

/// <summary>A queued bulk import job: the same inputs, loaded by the parallel bulk import path.</summary>
public sealed record BulkImportJob(string Id, string? TableName, string? TableId, IReadOnlyList<string> Files);
