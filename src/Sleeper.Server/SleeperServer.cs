using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Sleeper.Core.Security;
using Sleeper.Instance;
using Sleeper.Server.Auth;
using Sleeper.Server.Endpoints;
using Sleeper.Server.Serving;

namespace Sleeper.Server;

/// <summary>
/// Builds the web host of `sleeper serve` over one open instance: authentication by API key, the API's endpoints,
/// and the dashboard. The caller may add hosted services (the scheduler) before it is built, so one generic host
/// runs the whole of `sleeper serve` and shuts all of it down together.
/// </summary>
public static class SleeperServer
{
    /// <summary>A builder with the server's services registered; add more (the scheduler) and then call <see cref="Build"/>.</summary>
    public static WebApplicationBuilder CreateBuilder(SleeperInstance instance, ServerOptions options, string[]? args = null)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = args ?? [], ApplicationName = typeof(SleeperServer).Assembly.GetName().Name });
        builder.WebHost.UseUrls([.. options.Urls]);
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(instance.Logging);
        builder.Services.AddSingleton(typeof(ILogger<>), typeof(Logger<>));
        builder.Services.AddSingleton(instance);
        builder.Services.AddSingleton(options);
        var limits = options.Limits ?? ServerLimits.FromProperties(instance.Properties);
        builder.Services.AddSingleton(limits);
        builder.Services.AddSingleton<ServedTables>();
        builder.Services.AddSingleton<QueryGate>();
        // Past this Kestrel stops reading a body, and the read fails with 413 (see ErrorResponses).
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MaxRequestBodySize = limits.MaxRequestBodyBytes);
        OpenApiEndpoints.AddServices(builder.Services);
        builder.Services.AddSingleton(new UserDirectory(instance.Objects, instance.Time));
        builder.Services.AddAuthentication(SleeperClaims.Scheme)
            .AddScheme<Microsoft.AspNetCore.Authentication.AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(SleeperClaims.Scheme, null);
        builder.Services.AddAuthorization(Policies.Add);
        builder.Services.AddProblemDetails();
        MetricsEndpoints.AddTelemetry(builder.Services);
        return builder;
    }

    /// <summary>The application with its middleware and every endpoint mapped.</summary>
    public static WebApplication Build(WebApplicationBuilder builder)
    {
        var app = builder.Build();
        app.UseExceptionHandler(ErrorResponses.Options());
        app.UseStatusCodePages(ErrorResponses.StatusCodePageAsync);
        app.UseWebSockets();
        app.UseAuthentication();
        app.UseAuthorization();
        HealthEndpoints.Map(app);
        TableEndpoints.Map(app);
        RowEndpoints.Map(app);
        IngestEndpoints.Map(app);
        QueryEndpoints.Map(app);
        WebSocketQueryEndpoint.Map(app);
        OpenApiEndpoints.Map(app);
        DashboardEndpoints.Map(app);
        StatusEndpoints.Map(app);
        MetricsEndpoints.Map(app);
        return app;
    }

    /// <summary>The addresses the started server listens on, with the ports Kestrel chose for port 0.</summary>
    public static IReadOnlyList<string> Addresses(WebApplication app) =>
        app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.ToList() ?? [];
}
