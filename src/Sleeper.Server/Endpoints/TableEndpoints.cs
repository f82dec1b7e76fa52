using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Sleeper.Instance;
using Sleeper.Server.Auth;

namespace Sleeper.Server.Endpoints;

/// <summary>The tables of the instance: list, create, describe, properties, offline and online.</summary>
public static class TableEndpoints
{
    public static void Map(WebApplication app)
    {
        var tables = app.MapGroup("/api/tables").RequireAuthorization(Policies.Read);
        tables.MapGet("", async (SleeperInstance instance, CancellationToken cancel) =>
            Results.Json((await instance.ListTablesAsync(cancel)).Select(t => new { name = t.TableName, id = t.TableId, online = t.Online })));
    }
}
