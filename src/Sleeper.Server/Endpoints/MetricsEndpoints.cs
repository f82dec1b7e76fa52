using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Sleeper.Core.Telemetry;
using Sleeper.Server.Auth;

namespace Sleeper.Server.Endpoints;

/// <summary>
/// OpenTelemetry in the server's host: the instruments of <see cref="SleeperTelemetry"/> (rows ingested, compacted and
/// queried, commit conflicts, queue depths, query latency) and ASP.NET Core's request metrics, exposed for Prometheus at
/// <c>GET /metrics</c>; the "Sleeper" spans and the requests' spans, traced only when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c>
/// names a collector to send them to (see docs/metrics.md).
/// </summary>
/// <remarks>
/// /metrics needs the admin role: its series name every table and show the instance's load, which a reader of one
/// table has no need to see. Prometheus presents an admin's key as a bearer token (<c>authorization</c> in its scrape
/// configuration).
/// </remarks>
public static class MetricsEndpoints
{
    public const string Path = "/metrics";

    public static void AddTelemetry(IServiceCollection services)
    {
        var telemetry = services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("sleeper"))
            .WithMetrics(metrics => metrics
                .AddMeter(SleeperTelemetry.Name)
                .AddAspNetCoreInstrumentation()
                .AddPrometheusExporter());
        // Spans only when something collects them: with no listener the "Sleeper" source makes none, so a commit or a
        // query pays nothing for tracing that nobody would see.
        if (!string.IsNullOrEmpty(Environment.GetEnvironmentVariable("OTEL_EXPORTER_OTLP_ENDPOINT")))
        {
            telemetry.WithTracing(tracing => tracing
                .AddSource(SleeperTelemetry.Name)
                .AddAspNetCoreInstrumentation(options => options.Filter = context => !context.Request.Path.StartsWithSegments(Path))
                .AddOtlpExporter());
        }
    }

    public static void Map(WebApplication app) =>
        app.MapPrometheusScrapingEndpoint(Path).RequireAuthorization(Policies.Admin);
}
