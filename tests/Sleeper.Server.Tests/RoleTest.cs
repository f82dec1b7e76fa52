using System.Net;
using System.Text.Json;

namespace Sleeper.Server.Tests;

/// <summary>
/// Every endpoint of the API, as each kind of caller: no credential or a wrong one is 401, a role short of the
/// endpoint's is 403, both with only an error in the body (no data); and the table is unchanged by what was refused.
/// </summary>
public sealed class RoleTest(FilledServer filled) : IClassFixture<FilledServer>
{
    private ServerFixture Server => filled.Server;

    /// <summary>Method, path, body, and the least role that may call it.</summary>
    public static TheoryData<string, string, string?, string> Endpoints => new()
    {
        { "GET", "/api/tables", null, "reader" },
        { "GET", "/api/tables/docs", null, "reader" },
        { "POST", "/api/tables/docs/query", """{"region":{}}""", "reader" },
        { "POST", "/api/tables/docs/rows", """{"rows":[{"key":"new","n":1,"count":1}]}""", "writer" },
        { "POST", "/api/tables/docs/ingest", """{"files":["s3://bucket/none.parquet"]}""", "writer" },
        { "POST", "/api/tables/docs/bulk-import", """{"files":["s3://bucket/none.parquet"]}""", "writer" },
        { "POST", "/api/tables/docs/batcher", """{"files":["s3://bucket/none.parquet"]}""", "writer" },
        { "POST", "/api/tables", """{"name":"other","schema":{"rowKeyFields":[{"name":"k","type":"StringType"}]}}""", "admin" },
        { "PUT", "/api/tables/docs/properties", """{"sleeper.table.compaction.files.batch.size":"7"}""", "admin" },
        { "POST", "/api/tables/docs/offline", null, "admin" },
        { "POST", "/api/tables/docs/online", null, "admin" },
    };

    [Theory]
    [MemberData(nameof(Endpoints))]
    public async Task No_credential_or_a_wrong_one_is_401_and_a_lesser_role_is_403_with_no_data(string method, string path, string? body, string least)
    {
        var before = await DescribeAsync();
        using (var none = await SendAsync(Server.Client(null), method, path, body))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);
            await ApiTable.ErrorOf(none);
        }
        using (var wrongClient = Server.Client(null))
        {
            wrongClient.DefaultRequestHeaders.Authorization = new("Bearer", Server.Keys["admin"] + "x");
            using var wrong = await SendAsync(wrongClient, method, path, body);
            Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
            await ApiTable.ErrorOf(wrong);
        }
        var roles = new[] { "reader", "writer", "admin" };
        foreach (var user in roles.Take(Array.IndexOf(roles, least)))
        {
            using var refused = await SendAsync(Server.Client(user), method, path, body);
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
            Assert.Contains(user, (await ApiTable.ErrorOf(refused)).GetProperty("error").GetString());
        }
        Assert.Equal(before, await DescribeAsync());
    }

    [Fact]
    public async Task Anonymous_access_when_enabled_reads_only_unlabelled_rows_and_cannot_write()
    {
        await using var server = await ServerFixture.StartAsync(new ServerOptions { AllowAnonymous = true });
        await ApiTable.CreateAsync(server, rows: 12);
        using var anonymous = server.Client(null);

        using var query = await anonymous.PostAsync("/api/tables/docs/query", ApiTable.Json("""{"region":{}}"""));
        Assert.Equal(HttpStatusCode.OK, query.StatusCode);
        var labels = (await query.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => JsonDocument.Parse(l).RootElement.GetProperty("vis"))
            .Select(v => v.ValueKind == JsonValueKind.Null ? null : v.GetString()).ToList();
        // Rows 0-11 cycle through six labels: only null and "" need no authorisation.
        Assert.Equal([null, "", null, ""], labels);
        using var write = await anonymous.PostAsync("/api/tables/docs/rows", ApiTable.Json("""{"rows":[{"key":"x","n":1,"count":1}]}"""));
        Assert.Equal(HttpStatusCode.Forbidden, write.StatusCode);
        await ApiTable.ErrorOf(write);
    }

    private async Task<string> DescribeAsync()
    {
        using var response = await Server.Client("admin").GetAsync("/api/tables/docs");
        return await response.Content.ReadAsStringAsync();
    }

    private static async Task<HttpResponseMessage> SendAsync(HttpClient client, string method, string path, string? body)
    {
        using var _ = client;
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (body is not null)
        {
            request.Content = ApiTable.Json(body);
        }
        var response = await client.SendAsync(request);
        await response.Content.LoadIntoBufferAsync();
        return response;
    }
}
