using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace Sleeper.Dashboard.Tests;

/// <summary>The dashboard's query form: it runs through the API with the signed-in key, and shows what the API gives that key.</summary>
public sealed partial class DashboardBrowserTest
{
    [Fact]
    public async Task The_query_form_shows_the_rows_the_API_gives_the_key_and_none_it_hides()
    {
        await CreateTableWithRowsAsync();
        await PublishFailureAsync((await _server.Instance.GetTableStatusAsync("docs")).TableId);
        var (page, errors) = await OpenPageAsync();
        await SignInAsync(page, "reader");
        using var reader = _server.Client("reader");

        // A range: the rows the API gives the reader, none of the RED ones.
        await page.SelectOptionAsync("#query-table", "docs");
        await page.SelectOptionAsync("#query-mode", "range");
        await page.FillAsync("#query-min", "b");
        await page.FillAsync("#query-max", "r");
        await page.ClickAsync("#query-run");
        await Assertions.Expect(page.Locator("#query-status")).ToContainTextAsync("row(s)");
        var shownKeys = await page.Locator("#query-results tbody td[data-field='key']").AllTextContentsAsync();
        var apiKeys = await QueryKeysAsync(reader, new JsonObject
        {
            ["ranges"] = new JsonArray(new JsonObject { ["key"] = new JsonObject { ["min"] = "b", ["minInclusive"] = true, ["max"] = "r", ["maxInclusive"] = false } }),
        });
        Assert.Equal(apiKeys, shownKeys);
        Assert.Equal(Enumerable.Range('b', 'r' - 'b').Select(c => ((char)c).ToString()).Where(k => !IsRed(k)), shownKeys);
        Assert.DoesNotContain("red", await page.Locator("#query-results tbody td[data-field='colour']").AllTextContentsAsync());

        // An exact key the reader may see, then one it may not: the second shows no row.
        await page.SelectOptionAsync("#query-mode", "key");
        await page.FillAsync("#query-key", "e");
        await page.ClickAsync("#query-run");
        await Assertions.Expect(page.Locator("#query-status")).ToHaveTextAsync(new Regex(@"^1 row\(s\) in"));
        Assert.Equal(["e"], await page.Locator("#query-results tbody td[data-field='key']").AllTextContentsAsync());
        const string redKey = "c";
        Assert.True(IsRed(redKey));
        await page.FillAsync("#query-key", redKey);
        await page.ClickAsync("#query-run");
        await Assertions.Expect(page.Locator("#query-status")).ToHaveTextAsync(new Regex(@"^0 row\(s\) in"));
        Assert.Empty(await QueryKeysAsync(reader, new JsonObject { ["keys"] = new JsonArray(new JsonObject { ["key"] = redKey }) }));
        // The same key for a user who holds RED: the server, not the page, decides.
        using var writer = _server.Client("writer");
        Assert.Equal([redKey], await QueryKeysAsync(writer, new JsonObject { ["keys"] = new JsonArray(new JsonObject { ["key"] = redKey }) }));

        // The range again, for the picture.
        await page.SelectOptionAsync("#query-mode", "range");
        await page.ClickAsync("#query-run");
        await Assertions.Expect(page.Locator("#query-results tbody tr")).ToHaveCountAsync(apiKeys.Count);
        await SaveScreenshotAsync(page, "dashboard-query.png", forDocs: true);
        Assert.Empty(errors);
    }

    /// <summary>The keys of the rows the API returns for a query body, as JSON lines, in order.</summary>
    private static async Task<List<string>> QueryKeysAsync(HttpClient client, JsonObject body)
    {
        using var response = await client.PostAsJsonAsync("/api/tables/docs/query", body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"POST /api/tables/docs/query: {(int)response.StatusCode} {text}");
        return text.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => JsonDocument.Parse(line).RootElement.GetProperty("key").GetString()!).ToList();
    }

}
