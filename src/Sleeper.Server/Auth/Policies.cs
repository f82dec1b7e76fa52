using Microsoft.AspNetCore.Authorization;
using Sleeper.Core.Security;

namespace Sleeper.Server.Auth;

/// <summary>The authorisation policies of the API, one per role: an endpoint names the least role it needs.</summary>
public static class Policies
{
    public const string Read = "read";
    public const string Write = "write";
    public const string Admin = "admin";

    public static void Add(AuthorizationOptions options)
    {
        options.AddPolicy(Read, p => p.RequireAuthenticatedUser().RequireAssertion(c => SleeperClaims.RoleOf(c.User) >= UserRole.Read));
        options.AddPolicy(Write, p => p.RequireAuthenticatedUser().RequireAssertion(c => SleeperClaims.RoleOf(c.User) >= UserRole.Write));
        options.AddPolicy(Admin, p => p.RequireAuthenticatedUser().RequireAssertion(c => SleeperClaims.RoleOf(c.User) >= UserRole.Admin));
        options.FallbackPolicy = options.GetPolicy(Read);
    }
}
