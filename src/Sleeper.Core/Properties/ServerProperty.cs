namespace Sleeper.Core.Properties;

/// <summary>Instance properties of the server of sleeper serve: listening, anonymous access and request limits.</summary>
public static class ServerProperty
{
    public static readonly PropertyDefinition RequestBodyMaxBytes = PropertyDefinition.ByteSize(
        "sleeper.server.request.body.max.bytes", 64L << 20,
        "The largest request body the server reads (rows written, query JSON); a larger one gets 413.");

    public static readonly PropertyDefinition WriteRowsMax = PropertyDefinition.PositiveInt(
        "sleeper.server.write.rows.max", 100_000,
        "The most rows one POST /api/tables/{name}/rows may write (each request is one commit); more get 413.");

    public static readonly PropertyDefinition QueryTimeoutSeconds = PropertyDefinition.PositiveInt(
        "sleeper.server.query.timeout.seconds", 300,
        "How long one REST or WebSocket query may run before it is stopped (408 if nothing was sent yet).");

    public static readonly PropertyDefinition QueryConcurrentMax = PropertyDefinition.PositiveInt(
        "sleeper.server.query.concurrent.max", 32,
        "The most queries the server runs at once, REST and WebSocket together; one more gets 429.");

    public static readonly PropertyDefinition WebSocketBatchRows = PropertyDefinition.PositiveInt(
        "sleeper.server.websocket.batch.rows", 1000,
        "The most rows in one WebSocket \"rows\" message; each message is sent before more rows are read.");

    public static readonly PropertyDefinition IngestLocalFolders = PropertyDefinition.Text(
        "sleeper.server.ingest.local.folders", null,
        "Comma-separated local folders whose files API callers may name for ingest, bulk import and the batcher; " +
        "unset, only s3:// paths are accepted, so a caller cannot make the server read its own disk.");

    public static readonly PropertyDefinition TableCacheSeconds = PropertyDefinition.NonNegativeInt(
        "sleeper.server.table.properties.cache.seconds", 60,
        "How long the server keeps a table's properties before reading them again (changes it makes itself are seen at once), as Sleeper's table properties cache.");

    public static readonly IReadOnlyList<PropertyDefinition> All =
        [RequestBodyMaxBytes, WriteRowsMax, QueryTimeoutSeconds, QueryConcurrentMax, WebSocketBatchRows, IngestLocalFolders, TableCacheSeconds];
}
