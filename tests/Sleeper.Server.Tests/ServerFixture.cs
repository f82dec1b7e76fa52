using System.Net.Http.Headers;
using Microsoft.AspNetCore.Builder;
using Sleeper.Core.Security;
using Sleeper.Instance;
using Sleeper.Server;

namespace Sleeper.Server.Tests;

/// <summary>
/// A real server on a free loopback port over a new embedded instance, with one user of each role: the tests talk
/// to it over HTTP as any client would.
/// </summary>
public sealed class ServerFixture : IAsyncDisposable
{
    private readonly TempFolder _temp;

    private ServerFixture(TempFolder temp, SleeperInstance instance, WebApplication app, Uri address)
    {
        _temp = temp;
        Instance = instance;
        App = app;
        Address = address;
    }

    public SleeperInstance Instance { get; }
    public WebApplication App { get; }
    public Uri Address { get; }
    public Dictionary<string, string> Keys { get; } = new();

    public static async Task<ServerFixture> StartAsync(ServerOptions? options = null, Action<WebApplicationBuilder>? configure = null)
    {
        var temp = new TempFolder();
        var instance = await SleeperInstance.CreateAsync(temp.Combine("instance"));
        var builder = SleeperServer.CreateBuilder(instance, (options ?? new ServerOptions()) with { Urls = ["http://127.0.0.1:0"] });
        configure?.Invoke(builder);
        var app = SleeperServer.Build(builder);
        await app.StartAsync();
        var fixture = new ServerFixture(temp, instance, app, new Uri(SleeperServer.Addresses(app)[0]));
        var users = new UserDirectory(instance.Objects, instance.Time);
        fixture.Keys["reader"] = (await users.AddAsync("reader", ["PUBLIC"], UserRole.Read)).ApiKey;
        fixture.Keys["writer"] = (await users.AddAsync("writer", ["PUBLIC", "RED"], UserRole.Write)).ApiKey;
        fixture.Keys["admin"] = (await users.AddAsync("admin", ["PUBLIC", "RED", "BLUE"], UserRole.Admin)).ApiKey;
        return fixture;
    }

    /// <summary>A client that presents the named user's key, or no credential for null.</summary>
    public HttpClient Client(string? user)
    {
        var client = new HttpClient { BaseAddress = Address, Timeout = TimeSpan.FromMinutes(2) };
        if (user is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Keys[user]);
        }
        return client;
    }

    public async ValueTask DisposeAsync()
    {
        await App.StopAsync();
        await App.DisposeAsync();
        await Instance.DisposeAsync();
        _temp.Dispose();
    }
}
