using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Sleeper.Core;

namespace Sleeper.Server;

/// <summary>
/// Turns what an endpoint throws into the API's `{"error": "…"}`: the caller's mistakes (the project's own
/// exceptions, a malformed body) as 4xx with their message, anything else as 500 with no internals.
/// </summary>
public static class ErrorResponses
{
    /// <summary>
    /// The exception handler's options: our own answer, and the middleware's own error log (a stack trace at
    /// level Error) kept for the server's failures only, since a caller's mistake is answered, not a fault here.
    /// </summary>
    public static ExceptionHandlerOptions Options() => new()
    {
        ExceptionHandler = RespondAsync,
        SuppressDiagnosticsCallback = c => Classify(c.Exception).Status < 500,
    };

    /// <summary>
    /// Gives the framework's own refusals, which carry no body (no route: 404, wrong method: 405, a body that is not
    /// JSON: 415), the API's `{"error": "…"}` too.
    /// </summary>
    public static Task StatusCodePageAsync(StatusCodeContext status)
    {
        var context = status.HttpContext;
        var code = context.Response.StatusCode;
        var message = code switch
        {
            StatusCodes.Status404NotFound => $"There is nothing at {context.Request.Path}.",
            StatusCodes.Status405MethodNotAllowed => $"{context.Request.Method} is not allowed on {context.Request.Path}.",
            StatusCodes.Status415UnsupportedMediaType => "The request body must be JSON, sent with 'Content-Type: application/json'.",
            _ => Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(code),
        };
        return WriteAsync(context, code, message);
    }

    private static async Task RespondAsync(HttpContext context)
    {
        var error = context.Features.Get<IExceptionHandlerFeature>()?.Error;
        var (status, message) = Classify(error);
        await WriteAsync(context, status, message);
    }

    public static (int Status, string Message) Classify(Exception? error) => error switch
    {
        ApiException e => (e.Status, e.Message),
        TableNotFoundException e => (StatusCodes.Status404NotFound, e.Message),
        TableAlreadyExistsException e => (StatusCodes.Status409Conflict, e.Message),
        BadHttpRequestException e => (e.StatusCode, e.Message),
        JsonException e => (StatusCodes.Status400BadRequest, $"The request body is not valid JSON: {e.Message}"),
        SleeperException e => (StatusCodes.Status400BadRequest, e.Message),
        OperationCanceledException => (StatusCodes.Status408RequestTimeout, "The request was cancelled or timed out."),
        _ => (StatusCodes.Status500InternalServerError, "The server failed to handle the request; its log has the details."),
    };

    public static async Task WriteAsync(HttpContext context, int status, string message)
    {
        if (context.Response.HasStarted)
        {
            return;
        }
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(JsonSerializer.Serialize(new { error = message }), context.RequestAborted);
    }
}
