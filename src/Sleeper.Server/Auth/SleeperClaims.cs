using System.Security.Claims;
using Sleeper.Core.Security;

namespace Sleeper.Server.Auth;

/// <summary>The claims the API key handler gives a caller: its name, role and authorisations, read back by endpoints.</summary>
public static class SleeperClaims
{
    public const string Scheme = "SleeperApiKey";
    public const string Role = "sleeper:role";
    public const string Authorisation = "sleeper:auth";
    public const string Anonymous = "anonymous";

    public static ClaimsPrincipal For(string name, UserRole role, IEnumerable<string> authorisations)
    {
        var claims = new List<Claim> { new(ClaimTypes.Name, name), new(Role, role.ToString()) };
        claims.AddRange(authorisations.Select(a => new Claim(Authorisation, a)));
        return new ClaimsPrincipal(new ClaimsIdentity(claims, Scheme));
    }

    /// <summary>The caller's authorisations: only ever those of its credential, never anything the request carries.</summary>
    public static Authorisations AuthorisationsOf(ClaimsPrincipal user) =>
        new(user.FindAll(Authorisation).Select(c => c.Value));

    public static UserRole RoleOf(ClaimsPrincipal user) =>
        Enum.TryParse<UserRole>(user.FindFirst(Role)?.Value, out var role) ? role : UserRole.Read;

    public static string NameOf(ClaimsPrincipal user) => user.Identity?.Name ?? Anonymous;
}
