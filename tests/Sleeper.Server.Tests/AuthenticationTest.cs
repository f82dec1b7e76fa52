using System.Net;
using System.Text.Json;

namespace Sleeper.Server.Tests;

public sealed class AuthenticationTest
{
    [Fact]
    public async Task A_request_without_a_credential_gets_401_with_an_error_and_no_data()
    {
        await using var server = await ServerFixture.StartAsync();
        using var response = await server.Client(null).GetAsync("/api/tables");
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Contains("credential", body.GetProperty("error").GetString());
        Assert.Single(body.EnumerateObject());
    }

    [Fact]
    public async Task A_wrong_key_gets_401_and_a_right_one_gets_the_tables()
    {
        await using var server = await ServerFixture.StartAsync();
        using var wrong = server.Client(null);
        var key = server.Keys["reader"];
        wrong.DefaultRequestHeaders.Authorization = new("Bearer", key[..^1] + (key[^1] == 'A' ? 'B' : 'A'));
        using var refused = await wrong.GetAsync("/api/tables");
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        using var allowed = await server.Client("reader").GetAsync("/api/tables");
        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        Assert.Equal("[]", await allowed.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Health_needs_no_credential()
    {
        await using var server = await ServerFixture.StartAsync();
        using var health = await server.Client(null).GetAsync("/healthz");
        using var ready = await server.Client(null).GetAsync("/readyz");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
    }
}
