using System.Buffers;
using System.Text.Json;
using Apache.Arrow;
using Apache.Arrow.Ipc;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Sleeper.Core;
using Sleeper.Core.Batches;
using Sleeper.Instance;
using Sleeper.Parquet;
using Sleeper.Server.Auth;
using Sleeper.Server.Queries;
using Sleeper.Server.Serving;
using Sleeper.StateStore.LocalFiles;
using Field = Sleeper.Core.Schema.Field;

namespace Sleeper.Server.Endpoints;

/// <summary>
/// <c>POST /api/tables/{name}/query</c>: rows streamed as JSON lines, an Arrow IPC stream or a Parquet file, by the
/// Accept header, with the caller's authorisations. The query is planned and its first rows read before the
/// response starts, so a bad query, a limit or a timeout up to then is a proper 4xx; a failure after the first
/// bytes went out aborts the connection, so a cut-short answer can never pass for a complete one.
/// </summary>
public static class QueryEndpoints
{
    /// <summary>Bytes of JSON lines gathered before they are written out: large enough for few writes, small enough to stream.</summary>
    private const int FlushBytes = 64 * 1024;

    public static void Map(WebApplication app)
    {
        app.MapPost("/api/tables/{name}/query", QueryAsync)
            .RequireAuthorization(Policies.Read)
            .WithTags("Queries")
            .WithSummary("Query a table by exact keys, ranges or region, or with Sleeper's query JSON")
            .WithDescription("Body: {\"keys\":[{\"key\":\"a\"}]} | {\"ranges\":[…]} | {\"region\":{\"key\":[min,minInclusive,max,maxInclusive]}} | Sleeper's query JSON; " +
                "\"requestedValueFields\" optional. Rows come out in key order as JSON lines (Accept: application/x-ndjson, the default), " +
                "an Arrow IPC stream (application/vnd.apache.arrow.stream) or Parquet (application/vnd.apache.parquet). " +
                "Authorisations come only from the API key; a body naming any is refused.")
            .Accepts<QueryBody>("application/json")
            .Produces<string>(StatusCodes.Status200OK, QueryFormats.JsonLines, QueryFormats.ArrowStream, QueryFormats.Parquet)
            .Produces<ErrorBody>(StatusCodes.Status400BadRequest)
            .Produces<ErrorBody>(StatusCodes.Status404NotFound)
            .Produces<ErrorBody>(StatusCodes.Status408RequestTimeout)
            .Produces<ErrorBody>(StatusCodes.Status429TooManyRequests);
    }

    private static async Task QueryAsync(string name, HttpContext context, SleeperInstance instance, ServedTables tables, QueryGate gate,
        ServerLimits limits, ILogger<QueryScope> logger)
    {
        var format = QueryFormats.Choose(context.Request);
        var body = await Bodies.ReadObjectAsync(context.Request, $"Query of table '{name}'", context.RequestAborted);
        var served = await tables.GetAsync(name, requireOnline: true, context.RequestAborted);
        var request = ApiQueries.Parse(body, served.Table.Schema, name, SleeperClaims.AuthorisationsOf(context.User), $"Query of table '{name}'");
        var fields = OutputFields(served, request);
        using var scope = new QueryScope(gate, limits, instance.Time, context.RequestAborted);
        if (format == QueryFormats.Parquet)
        {
            await WriteParquetAsync(context, served, fields, served.Executor.RunAsync(request, scope.Token), scope);
            return;
        }
        var batches = served.Executor.RunAsync(request, scope.Token).GetAsyncEnumerator(scope.Token);
        try
        {
            bool any;
            try
            {
                any = await batches.MoveNextAsync();
            }
            catch (OperationCanceledException) when (scope.TimedOut)
            {
                throw scope.TimeoutError();
            }
            context.Response.StatusCode = StatusCodes.Status200OK;
            context.Response.ContentType = format;
            try
            {
                if (format == QueryFormats.ArrowStream)
                {
                    await WriteArrowAsync(context.Response.Body, fields, batches, any, scope.Token);
                }
                else
                {
                    await WriteJsonLinesAsync(context.Response.Body, fields, batches, any, scope.Token);
                }
            }
            catch (Exception e) when (!context.RequestAborted.IsCancellationRequested)
            {
                logger.LogWarning(e, "Query of table {Table} failed after its response began; the connection is aborted so the caller sees it incomplete", name);
                context.Abort();
            }
        }
        finally
        {
            await batches.DisposeAsync();
        }
    }

    /// <summary>The fields each result row holds, checked before anything runs (an unknown field is 400).</summary>
    public static IReadOnlyList<Field> OutputFields(ServedTable served, Core.Query.QueryRequest request)
    {
        try
        {
            return served.Executor.OutputFields(request.OutputFieldNames(served.Table.Schema));
        }
        catch (Exception e) when (e is SleeperException or KeyNotFoundException or ArgumentException)
        {
            throw new ApiException(StatusCodes.Status400BadRequest, $"Query of table '{served.Table.Name}': {e.Message}");
        }
    }

    private static async Task WriteJsonLinesAsync(Stream body, IReadOnlyList<Field> fields, IAsyncEnumerator<RecordBatch> batches, bool any, CancellationToken cancellationToken)
    {
        var buffer = new ArrayBufferWriter<byte>(FlushBytes * 2);
        await using var json = new Utf8JsonWriter(buffer, RowJson.WriterOptions);
        while (any)
        {
            using (var batch = batches.Current)
            {
                for (var i = 0; i < batch.Length; i++)
                {
                    RowJson.WriteRow(json, fields, BatchRows.GetRow(batch, i));
                    json.Flush();
                    json.Reset();
                    buffer.Write("\n"u8);
                    if (buffer.WrittenCount >= FlushBytes)
                    {
                        await body.WriteAsync(buffer.WrittenMemory, cancellationToken);
                        buffer.ResetWrittenCount();
                    }
                }
            }
            any = await batches.MoveNextAsync();
        }
        if (buffer.WrittenCount > 0)
        {
            await body.WriteAsync(buffer.WrittenMemory, cancellationToken);
        }
    }

    private static async Task WriteArrowAsync(Stream body, IReadOnlyList<Field> fields, IAsyncEnumerator<RecordBatch> batches, bool any, CancellationToken cancellationToken)
    {
        var schema = new Schema(fields.Select(ArrowSchemas.ToArrow), null);
        using var writer = new ArrowStreamWriter(body, schema, leaveOpen: true);
        await writer.WriteStartAsync(cancellationToken);
        while (any)
        {
            using (var batch = batches.Current)
            {
                if (batch.Length > 0)
                {
                    // The batches' own schema may differ in field metadata; the stream declares one schema for all.
                    await writer.WriteRecordBatchAsync(new RecordBatch(schema, batch.Arrays, batch.Length), cancellationToken);
                }
            }
            any = await batches.MoveNextAsync();
        }
        await writer.WriteEndAsync(cancellationToken);
    }

    /// <summary>
    /// Parquet puts its footer last, so the file is written whole to a scratch folder first (as a query worker writes
    /// its results, with the table's codec and sizes) and then sent with its length; any failure is still a 4xx/5xx.
    /// </summary>
    private static async Task WriteParquetAsync(HttpContext context, ServedTable served, IReadOnlyList<Field> fields,
        IAsyncEnumerable<RecordBatch> batches, QueryScope scope)
    {
        var folder = Path.Combine(Path.GetTempPath(), $"sleeper-server-query-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        try
        {
            var store = new LocalObjectStore(folder, flushToDisk: false);
            try
            {
                await QueryResultsParquet.WriteAsync(store, "result.parquet", fields, ParquetWriteSettings.From(served.Table.Schema, served.Table.Properties),
                    batches, scope.Token);
            }
            catch (OperationCanceledException) when (scope.TimedOut)
            {
                throw scope.TimeoutError();
            }
            context.Response.StatusCode = StatusCodes.Status200OK;
            context.Response.ContentType = QueryFormats.Parquet;
            context.Response.Headers.ContentDisposition = $"attachment; filename=\"{served.Table.Name}.parquet\"";
            await context.Response.SendFileAsync(Path.Combine(folder, "result.parquet"), context.RequestAborted);
        }
        finally
        {
            try
            {
                Directory.Delete(folder, recursive: true);
            }
            catch (IOException)
            {
                // Left in the temporary folder, which the system clears.
            }
        }
    }
}
