using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Sleeper.Core;
using Sleeper.Core.Batches;
using Sleeper.Core.Properties;
using Sleeper.Core.Security;
using Sleeper.Ingest;
using Sleeper.Ingest.Input;
using Sleeper.Instance;
using Sleeper.Server.Auth;
using Sleeper.Server.Serving;

namespace Sleeper.Server.Endpoints;

/// <summary>
/// <c>POST /api/tables/{name}/rows</c>: rows written in one commit. Every row is checked before anything is written,
/// so a bad row is a 400 naming the row and the field, with nothing stored.
/// </summary>
public static class RowEndpoints
{
    public static void Map(WebApplication app)
    {
        app.MapPost("/api/tables/{name}/rows", WriteAsync)
            .RequireAuthorization(Policies.Write)
            .WithTags("Writing")
            .WithSummary("Write rows to a table in one commit (role write)")
            .WithDescription("Body: {\"rows\":[{field: value, …}, …]} in the CLI's JSON forms (byte arrays base64, lists arrays, maps objects). " +
                "At most sleeper.server.write.rows.max rows per request (413 past it).")
            .Accepts<WriteRowsBody>("application/json")
            .Produces<RowsWrittenBody>()
            .Produces<ErrorBody>(StatusCodes.Status400BadRequest)
            .Produces<ErrorBody>(StatusCodes.Status413PayloadTooLarge);
    }

    private static async Task<IResult> WriteAsync(string name, HttpContext context, SleeperInstance instance, ServedTables tables, ServerLimits limits)
    {
        var cancel = context.RequestAborted;
        var what = $"Rows written to table '{name}'";
        using var body = await Bodies.ReadDocumentAsync(context.Request, what, cancel);
        foreach (var property in body.RootElement.EnumerateObject())
        {
            if (property.Name != "rows")
            {
                throw new ApiException(StatusCodes.Status400BadRequest, $"{what}: unknown property '{property.Name}' (the body is {{\"rows\":[…]}}).");
            }
        }
        if (!body.RootElement.TryGetProperty("rows", out var rows) || rows.ValueKind != JsonValueKind.Array)
        {
            throw new ApiException(StatusCodes.Status400BadRequest, $"{what}: the body must be {{\"rows\":[{{field: value, …}}, …]}}.");
        }
        var count = rows.GetArrayLength();
        if (count > limits.MaxRowsPerWrite)
        {
            throw new ApiException(StatusCodes.Status413PayloadTooLarge,
                $"{what}: {count} rows in one request; at most {limits.MaxRowsPerWrite} are taken ({ServerProperty.WriteRowsMax.Name}). Split them over several requests, or submit a file with /ingest.");
        }
        var served = await tables.GetAsync(name, requireOnline: true, cancel);
        var table = served.Table;
        if (count == 0)
        {
            return Results.Json(new RowsWrittenBody(0, 0));
        }
        var builder = new RecordBatchBuilder(table.Schema, count);
        var index = 0;
        try
        {
            foreach (var row in rows.EnumerateArray())
            {
                builder.Append(JsonLinesInput.ParseObject(table.Schema, row, $"{what}: rows[{index}]"));
                index++;
            }
        }
        catch (RowValidationException e)
        {
            throw new ApiException(StatusCodes.Status400BadRequest, $"{e.Message} Nothing was written.");
        }
        var batch = builder.Build();
        try
        {
            VisibilityCheck.For(table.Schema, table.Properties)?.Check(batch, $"{what}: rows", firstRowNumber: 0);
        }
        catch (RowValidationException e)
        {
            batch.Dispose();
            throw new ApiException(StatusCodes.Status400BadRequest, e.Message);
        }
        var result = await new IngestRunner(table, instance.Properties.Get(InstanceProperty.IngestScratchFolder)).IngestBatchesAsync([batch], cancellationToken: cancel);
        return Results.Json(new RowsWrittenBody(result.RowsWritten, result.FilesWritten));
    }
}
