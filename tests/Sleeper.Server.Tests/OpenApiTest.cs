using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Sleeper.Server.Tests;

/// <summary>The API's description and its reference page: reachable without a credential, complete, and served with no CDN.</summary>
public sealed class OpenApiTest
{
    [Fact]
    public async Task The_OpenAPI_document_names_every_endpoint_and_needs_no_credential()
    {
        await using var server = await ServerFixture.StartAsync();
        using var anonymous = server.Client(null);
        using var response = await anonymous.GetAsync("/openapi/v1.json");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        var paths = document.GetProperty("paths").EnumerateObject().Select(p => p.Name).ToHashSet();
        foreach (var path in new[] { "/api/tables", "/api/tables/{name}", "/api/tables/{name}/rows", "/api/tables/{name}/ingest", "/api/tables/{name}/bulk-import",
                     "/api/tables/{name}/batcher", "/api/tables/{name}/query", "/api/tables/{name}/properties", "/api/tables/{name}/offline", "/api/tables/{name}/online", "/ws/query" })
        {
            Assert.Contains(path, paths);
        }
        var query = document.GetProperty("paths").GetProperty("/api/tables/{name}/query").GetProperty("post");
        var produced = query.GetProperty("responses").GetProperty("200").GetProperty("content").EnumerateObject().Select(c => c.Name).ToList();
        Assert.Contains("application/x-ndjson", produced);
        Assert.Contains("application/vnd.apache.arrow.stream", produced);
        Assert.Contains("application/vnd.apache.parquet", produced);
        Assert.Contains("bearer", document.GetProperty("components").GetProperty("securitySchemes").GetRawText());
    }

    [Fact]
    public async Task The_reference_page_and_its_script_are_served_by_the_server_itself()
    {
        await using var server = await ServerFixture.StartAsync();
        using var anonymous = server.Client(null);
        using var page = await anonymous.GetAsync("/scalar");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        var html = await page.Content.ReadAsStringAsync();
        Assert.Contains("openapi/v1.json", html);
        var scripts = Regex.Matches(html, "<script[^>]*src=\"([^\"]+)\"").Select(m => m.Groups[1].Value).Append("favicon.svg").ToList();
        Assert.NotEmpty(scripts);
        foreach (var script in scripts)
        {
            Assert.False(script.StartsWith("http", StringComparison.OrdinalIgnoreCase) || script.StartsWith("//", StringComparison.Ordinal), $"{script} is fetched from elsewhere");
            using var body = await anonymous.GetAsync(new Uri(new Uri(server.Address, "/scalar/"), script));
            Assert.Equal(HttpStatusCode.OK, body.StatusCode);
            Assert.True((await body.Content.ReadAsByteArrayAsync()).Length > 100, script);
        }
    }
}
