using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Sleeper.Instance;
using Sleeper.Reports;
using Sleeper.Server.Auth;

namespace Sleeper.Server.Endpoints;

/// <summary>
/// The status reports as JSON, the same documents <c>sleeper status --format json</c> prints (Sleeper.Reports
/// builds both): one table's, the instance's, and one tracked query. docs/reports.md describes them.
/// </summary>
public static class StatusEndpoints
{
    /// <summary>The default of <c>GET /api/status</c>: the instance at a glance (queues, dead letters, every table's metrics).</summary>
    public const string InstanceReport = "instance";

    public static void Map(WebApplication app)
    {
        // ?report= names one of StatusReports.Names (full when left out); ?queryId= goes with report=queries.
        app.MapGet("/api/tables/{name}/status", async (string name, string? report, string? queryId, SleeperInstance instance, CancellationToken cancel) =>
            Json(await StatusReports.BuildAsync(instance, report ?? StatusReports.Full, [name], queryId, cancel)))
            .RequireAuthorization(Policies.Read);

        app.MapGet("/api/status", async (string? report, string? queryId, SleeperInstance instance, CancellationToken cancel) =>
            Json(report is null or InstanceReport
                ? await StatusReports.InstanceAsync(instance, cancel)
                : await StatusReports.BuildAsync(instance, report, null, queryId, cancel)))
            .RequireAuthorization(Policies.Read);

        app.MapGet("/api/queries/{queryId}", async (string queryId, SleeperInstance instance, HttpContext context, CancellationToken cancel) =>
        {
            if (await QueryReports.GetAsync(instance, queryId, cancel) is { } query)
            {
                return Json(query);
            }
            await ErrorResponses.WriteAsync(context, StatusCodes.Status404NotFound, $"No query has id '{queryId}' in the query tracker.");
            return Results.Empty;
        }).RequireAuthorization(Policies.Read);
    }

    private static IResult Json(JsonNode node) => Results.Text(node.ToJsonString(), "application/json");
}
