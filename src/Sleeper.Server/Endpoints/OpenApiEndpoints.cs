using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.OpenApi;
using Scalar.AspNetCore;

namespace Sleeper.Server.Endpoints;

/// <summary>
/// The API's description at <c>/openapi/v1.json</c> and a browsable reference of it at <c>/scalar</c> (Scalar's page,
/// its scripts served from the assembly, no CDN, fonts and telemetry off). Both describe the API and hold no data,
/// so they need no credential.
/// </summary>
public static class OpenApiEndpoints
{
    public const string DocumentPath = "/openapi/v1.json";
    public const string ReferencePath = "/scalar";

    public static void AddServices(IServiceCollection services) => services.AddOpenApi("v1", options =>
    {
        options.AddDocumentTransformer((document, _, _) =>
        {
            document.Info = new OpenApiInfo
            {
                Title = "Sleeper server API",
                Version = "v1",
                Description = "The REST and WebSocket API of `sleeper serve`. Every /api/ request carries 'Authorization: Bearer <API key>' " +
                    "(keys from 'sleeper users add'); no or a wrong key is 401, a role that does not allow the operation 403. " +
                    "Errors are JSON {\"error\": \"…\"}. A query runs with the authorisations of its key, never others.",
            };
            document.Components ??= new OpenApiComponents();
            document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
            document.Components.SecuritySchemes["apiKey"] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http,
                Scheme = "bearer",
                Description = "An API key from 'sleeper users add'.",
            };
            document.Security ??= [];
            document.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference("apiKey", document)] = [] });
            return Task.CompletedTask;
        });
    });

    public static void Map(WebApplication app)
    {
        app.MapOpenApi(DocumentPath).AllowAnonymous();
        // A group, so that the page's own scripts and icon are anonymous as well as the page.
        app.MapGroup("").AllowAnonymous().MapScalarApiReference(ReferencePath, options =>
        {
            options.Title = "Sleeper server API";
            options.OpenApiRoutePattern = DocumentPath;
            options.DefaultFonts = false;
            options.Telemetry = false;
        });
    }
}
