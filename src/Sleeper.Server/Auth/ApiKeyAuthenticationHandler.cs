using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Sleeper.Core.Security;

namespace Sleeper.Server.Auth;

/// <summary>
/// Authenticates `Authorization: Bearer KEY` against the instance's users (keys stored only hashed, compared in
/// constant time). Browsers cannot set headers on a WebSocket, so the WebSocket path also takes the key as the
/// subprotocol `sleeper.key.KEY`; nothing else of a request can name a user.
/// </summary>
public sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, UserDirectory users, ServerOptions server)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string WebSocketKeyPrefix = "sleeper.key.";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var key = BearerKey(Request) ?? WebSocketKey(Request);
        if (key is null)
        {
            return server.AllowAnonymous
                ? AuthenticateResult.Success(new AuthenticationTicket(SleeperClaims.For(SleeperClaims.Anonymous, UserRole.Read, []), SleeperClaims.Scheme))
                : AuthenticateResult.NoResult();
        }
        var user = await users.AuthenticateAsync(key, Context.RequestAborted);
        if (user is null)
        {
            // The key is never logged: only that one failed.
            return AuthenticateResult.Fail("The API key is not valid.");
        }
        return AuthenticateResult.Success(new AuthenticationTicket(SleeperClaims.For(user.Name, user.Role, user.Authorisations), SleeperClaims.Scheme));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties) =>
        ErrorResponses.WriteAsync(Context, StatusCodes.Status401Unauthorized, Request.Headers.Authorization.Count == 0 && WebSocketKey(Request) is null
            ? "A credential is needed: send 'Authorization: Bearer <API key>' (keys come from 'sleeper users add')."
            : "The API key is not valid.");

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        ErrorResponses.WriteAsync(Context, StatusCodes.Status403Forbidden, $"User '{SleeperClaims.NameOf(Context.User)}' has role {SleeperClaims.RoleOf(Context.User).ToString().ToLowerInvariant()}, which does not allow this.");

    private static string? BearerKey(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        const string bearer = "Bearer ";
        return header.StartsWith(bearer, StringComparison.OrdinalIgnoreCase) ? header[bearer.Length..].Trim() : null;
    }

    private static string? WebSocketKey(HttpRequest request) =>
        request.Headers.SecWebSocketProtocol.SelectMany(h => (h ?? "").Split(',', StringSplitOptions.TrimEntries))
            .FirstOrDefault(p => p.StartsWith(WebSocketKeyPrefix, StringComparison.Ordinal)) is { } p ? p[WebSocketKeyPrefix.Length..] : null;
}
