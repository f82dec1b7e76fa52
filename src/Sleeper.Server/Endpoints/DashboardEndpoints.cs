using System.Reflection;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Sleeper.Instance;
using Sleeper.Server.Auth;
using Sleeper.Server.Dashboard;
using Sleeper.Server.Serving;

namespace Sleeper.Server.Endpoints;

/// <summary>
/// The dashboard: its page and assets, served from the assembly's embedded `wwwroot/` without a credential (the
/// page holds no data, and asks the API for everything with the key its user gives it), and
/// <c>GET /api/dashboard</c>, everything the page shows in one request, for the read role.
/// </summary>
public static class DashboardEndpoints
{
    private static readonly Assembly Assets = typeof(DashboardEndpoints).Assembly;

    /// <summary>The throughput windows the page offers; anything else is refused rather than read from the trackers at any size.</summary>
    private static readonly int[] WindowMinutes = [5, 15, 30, 60, 180, 360, 1440];

    public static void Map(WebApplication app)
    {
        app.MapGet("/", () => Asset("index.html")).AllowAnonymous();
        app.MapGet("/assets/{name}", (string name) => Asset(name)).AllowAnonymous();
        app.MapGet("/api/dashboard", async (HttpContext context, SleeperInstance instance, ServedTables tables, int? minutes, CancellationToken cancel) =>
        {
            var window = minutes ?? 30;
            if (!WindowMinutes.Contains(window))
            {
                return Results.Json(new ErrorBody($"minutes={window} is not a window the dashboard offers; use one of {string.Join(", ", WindowMinutes)}."),
                    statusCode: StatusCodes.Status400BadRequest);
            }
            var snapshot = await DashboardSnapshot.BuildAsync(instance, tables, TimeSpan.FromMinutes(window), cancel);
            // Who the page is signed in as, so its user can tell why a query shows what it shows: the key's own name,
            // role and authorisations, which it already holds.
            var user = context.User;
            snapshot["user"] = new JsonObject
            {
                ["name"] = SleeperClaims.NameOf(user),
                ["role"] = SleeperClaims.RoleOf(user).ToString().ToLowerInvariant(),
                ["authorisations"] = new JsonArray([.. SleeperClaims.AuthorisationsOf(user).Order(StringComparer.Ordinal).Select(a => (JsonNode)JsonValue.Create(a))]),
            };
            return Results.Json(snapshot);
        })
            .RequireAuthorization(Policies.Read)
            .WithTags("Dashboard")
            .WithSummary("Everything the dashboard shows, in one document")
            .WithDescription("Tables with their metrics and partitions reports (each partition with its depth), queue depths, running tasks " +
                "and jobs, rows and jobs of compaction and of ingest per bucket over the last `minutes` (5, 15, 30, 60, 180, 360 or 1440; " +
                "60 buckets), the newest events of the event log, and the caller's own name, role and authorisations. docs/dashboard.md describes it.")
            .Produces(StatusCodes.Status200OK, contentType: "application/json")
            .Produces<ErrorBody>(StatusCodes.Status400BadRequest);
    }

    private static IResult Asset(string name)
    {
        if (name.Contains('/') || name.Contains('\\') || name.StartsWith('.'))
        {
            return Results.NotFound();
        }
        var stream = Assets.GetManifestResourceStream("wwwroot/" + name);
        return stream is null ? Results.NotFound() : Results.Stream(stream, ContentType(name));
    }

    private static string ContentType(string name) => Path.GetExtension(name) switch
    {
        ".html" => "text/html; charset=utf-8",
        ".js" => "text/javascript; charset=utf-8",
        ".css" => "text/css; charset=utf-8",
        ".svg" => "image/svg+xml",
        _ => "application/octet-stream",
    };
}
