using System.Text.Json.Nodes;

namespace Sleeper.Server;

// The shapes of the API's bodies, for its OpenAPI description. The endpoints read bodies themselves (to give errors
// that name the field at fault), so these document the contract rather than bind it.

/// <summary>Every error: a 4xx for the caller's mistakes, 5xx for the server's.</summary>
public sealed record ErrorBody(string Error);

/// <summary>A table in the list.</summary>
public sealed record TableSummary(string Name, string Id, bool Online);

/// <summary>POST /api/tables: the schema is Sleeper's schema JSON; split points are values of the first row key (byte arrays in base64).</summary>
public sealed record CreateTableBody(string Name, JsonObject Schema, Dictionary<string, string>? Properties, List<JsonNode>? SplitPoints);

/// <summary>What a table holds now, from its state store.</summary>
public sealed record TableStatusBody(int Partitions, int LeafPartitions, int Files, int FileReferences, long Rows, int FilesReadyForGc);

/// <summary>GET /api/tables/{name}.</summary>
public sealed record TableDescription(string Name, string Id, bool Online, JsonObject Schema, Dictionary<string, string> Properties, TableStatusBody Status);

/// <summary>POST /api/tables/{name}/rows: rows as objects keyed by field name, in the CLI's JSON forms.</summary>
public sealed record WriteRowsBody(List<JsonObject> Rows);

/// <summary>The answer to a write: all the rows, in one commit.</summary>
public sealed record RowsWrittenBody(long RowsWritten, int FilesWritten);

/// <summary>Files to ingest: s3:// paths, or local paths under the folders sleeper.server.ingest.local.folders allows.</summary>
public sealed record FilesBody(List<string> Files);

/// <summary>Files for the ingest batcher; flush sends them in jobs at once.</summary>
public sealed record BatcherFilesBody(List<string> Files, bool? Flush);

public sealed record JobSubmittedBody(string JobId);

public sealed record BatcherSubmittedBody(int FilesAdded, List<string> JobIds);

/// <summary>A REST query: one of keys, ranges, regions (Sleeper's query JSON) or region (the CLI's form).</summary>
public sealed record QueryBody(List<JsonObject>? Keys, List<JsonObject>? Ranges, JsonNode? Region, List<JsonObject>? Regions, List<string>? RequestedValueFields);
