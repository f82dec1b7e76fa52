using System.Reflection;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Sleeper.Server.Endpoints;

/// <summary>
/// The dashboard's page and assets, served from the assembly's embedded `wwwroot/` without a credential: the page
/// holds no data, and it asks the API for everything with the key its user gives it.
/// </summary>
public static class DashboardEndpoints
{
    private static readonly Assembly Assets = typeof(DashboardEndpoints).Assembly;

    public static void Map(WebApplication app)
    {
        app.MapGet("/", () => Asset("index.html")).AllowAnonymous();
        app.MapGet("/assets/{name}", (string name) => Asset(name)).AllowAnonymous();
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
