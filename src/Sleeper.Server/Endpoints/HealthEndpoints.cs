using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Sleeper.Instance;

namespace Sleeper.Server.Endpoints;

/// <summary>`/healthz` (the process answers) and `/readyz` (the instance's stores answer): no credential needed.</summary>
public static class HealthEndpoints
{
    public static void Map(WebApplication app)
    {
        app.MapGet("/healthz", () => Results.Json(new { status = "ok" })).AllowAnonymous();
        app.MapGet("/readyz", async (SleeperInstance instance, CancellationToken cancel) =>
        {
            try
            {
                await instance.ListTablesAsync(cancel);
                return Results.Json(new { status = "ready" });
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                return Results.Json(new { status = "not ready", error = e.Message }, statusCode: StatusCodes.Status503ServiceUnavailable);
            }
        }).AllowAnonymous();
    }
}
