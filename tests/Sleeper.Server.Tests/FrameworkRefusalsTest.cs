using System.Net;
using System.Text;
using System.Text.Json;

namespace Sleeper.Server.Tests;

/// <summary>What the framework refuses before any endpoint runs is answered in the API's JSON error form too.</summary>
public sealed class FrameworkRefusalsTest
{
    [Fact]
    public async Task A_body_not_sent_as_JSON_an_unknown_path_and_a_wrong_method_each_get_a_JSON_error()
    {
        await using var server = await ServerFixture.StartAsync();
        using var client = server.Client("admin");

        using var form = await client.PostAsync("/api/tables/any/query", new StringContent("""{"keys":[{"key":"a"}]}""", Encoding.UTF8, "application/x-www-form-urlencoded"));
        using var nowhere = await client.GetAsync("/api/no-such-thing");
        using var method = await client.DeleteAsync("/api/tables");

        await AssertErrorAsync(form, HttpStatusCode.UnsupportedMediaType, "Content-Type: application/json");
        await AssertErrorAsync(nowhere, HttpStatusCode.NotFound, "/api/no-such-thing");
        await AssertErrorAsync(method, HttpStatusCode.MethodNotAllowed, "DELETE");
    }

    private static async Task AssertErrorAsync(HttpResponseMessage response, HttpStatusCode status, string mentions)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetString();
        Assert.Contains(mentions, error);
    }
}
