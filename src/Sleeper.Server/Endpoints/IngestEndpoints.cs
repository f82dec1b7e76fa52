using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Sleeper.BulkImport;
using Sleeper.Core.Jobs;
using Sleeper.Ingest;
using Sleeper.Ingest.Batcher;
using Sleeper.Instance;
using Sleeper.Server.Auth;
using Sleeper.Server.Serving;

namespace Sleeper.Server.Endpoints;

/// <summary>
/// Files into a table through the instance's queues (role write): an ingest job, a bulk import job, or the ingest
/// batcher. The jobs run on workers (<c>sleeper worker …</c> or the scheduler's), as <c>sleeper ingest submit</c>'s do.
/// </summary>
public static class IngestEndpoints
{
    public static void Map(WebApplication app)
    {
        var group = app.MapGroup("/api/tables/{name}").RequireAuthorization(Policies.Write).WithTags("Ingest");
        group.MapPost("/ingest", IngestAsync)
            .WithSummary("Queue an ingest job for files (role write); answers with its job id")
            .Accepts<FilesBody>("application/json")
            .Produces<JobSubmittedBody>(StatusCodes.Status202Accepted)
            .Produces<ErrorBody>(StatusCodes.Status400BadRequest)
            .Produces<ErrorBody>(StatusCodes.Status403Forbidden);
        group.MapPost("/bulk-import", BulkImportAsync)
            .WithSummary("Queue a bulk import job for files (role write); answers with its job id")
            .Accepts<FilesBody>("application/json")
            .Produces<JobSubmittedBody>(StatusCodes.Status202Accepted)
            .Produces<ErrorBody>(StatusCodes.Status400BadRequest);
        group.MapPost("/batcher", BatcherAsync)
            .WithSummary("Hand files to the ingest batcher, which sends them in jobs by the table's batcher properties (or at once with flush)")
            .Accepts<BatcherFilesBody>("application/json")
            .Produces<BatcherSubmittedBody>(StatusCodes.Status202Accepted)
            .Produces<ErrorBody>(StatusCodes.Status400BadRequest);
    }

    private static async Task<IResult> IngestAsync(string name, HttpContext context, SleeperInstance instance, ServerLimits limits, CancellationToken cancel)
    {
        var what = $"Ingest into table '{name}'";
        var files = await ReadFilesAsync(context, limits, what, cancel, "files");
        var status = await RequireOnlineAsync(instance, name, cancel);
        var job = await new IngestJobSubmitter(instance.Queue(QueueNames.Ingest), instance.IngestTracker, instance.InputFiles, instance.Time)
            .SubmitAsync(status, files, cancel);
        return Results.Json(new JobSubmittedBody(job.Id), statusCode: StatusCodes.Status202Accepted);
    }

    private static async Task<IResult> BulkImportAsync(string name, HttpContext context, SleeperInstance instance, ServerLimits limits, CancellationToken cancel)
    {
        var what = $"Bulk import into table '{name}'";
        var files = await ReadFilesAsync(context, limits, what, cancel, "files");
        var status = await RequireOnlineAsync(instance, name, cancel);
        var job = await new BulkImportJobSubmitter(instance.Queue(QueueNames.BulkImport), instance.BulkImportTracker, instance.InputFiles, instance.Time)
            .SubmitAsync(status, files, cancel);
        return Results.Json(new JobSubmittedBody(job.Id), statusCode: StatusCodes.Status202Accepted);
    }

    private static async Task<IResult> BatcherAsync(string name, HttpContext context, SleeperInstance instance, ServedTables tables, ServerLimits limits, CancellationToken cancel)
    {
        var what = $"Ingest batcher of table '{name}'";
        var body = await Bodies.ReadObjectAsync(context.Request, what, cancel);
        Bodies.RequireOnly(body, what, "files", "flush");
        var files = IngestPaths.Check(Bodies.Strings(body, "files", what), limits, what);
        var flush = body["flush"] switch
        {
            null => false,
            System.Text.Json.Nodes.JsonValue v when v.GetValueKind() is System.Text.Json.JsonValueKind.True or System.Text.Json.JsonValueKind.False => v.GetValue<bool>(),
            _ => throw new ApiException(StatusCodes.Status400BadRequest, $"{what}: 'flush' must be true or false."),
        };
        var table = (await tables.GetAsync(name, requireOnline: false, cancel)).Table;
        var store = instance.IngestBatcher;
        var requests = await IngestBatcherFiles.ResolveAsync(files, table.Id, instance.Time.GetUtcNow(), instance.InputFiles, cancel);
        var added = await store.AddFilesAsync(table.Id, requests, cancel);
        var run = await new IngestBatcherRunner(store, instance.Queue, instance.Time).RunAsync(table.Id, table.Properties, flush, cancel);
        return Results.Json(new BatcherSubmittedBody(added.Count, [.. run.Sent.Concat(run.Resent).Select(j => j.JobId)]), statusCode: StatusCodes.Status202Accepted);
    }

    private static async Task<IReadOnlyList<string>> ReadFilesAsync(HttpContext context, ServerLimits limits, string what, CancellationToken cancel, string property)
    {
        var body = await Bodies.ReadObjectAsync(context.Request, what, cancel);
        Bodies.RequireOnly(body, what, property);
        return IngestPaths.Check(Bodies.Strings(body, property, what), limits, what);
    }

    private static async Task<Core.Tables.TableStatus> RequireOnlineAsync(SleeperInstance instance, string name, CancellationToken cancel)
    {
        var status = await instance.GetTableStatusAsync(name, cancel);
        if (!status.Online)
        {
            throw new ApiException(StatusCodes.Status409Conflict, $"Table '{name}' is offline; an admin can bring it back with POST /api/tables/{name}/online.");
        }
        return status;
    }
}
