using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Sleeper.Server.Tests;

/// <summary>Writing rows over the API: one commit per request, and a bad row refused by name with nothing stored.</summary>
public sealed class RowApiTest
{
    [Fact]
    public async Task Written_rows_come_back_from_a_query_and_each_request_is_one_commit()
    {
        await using var server = await ServerFixture.StartAsync();
        await ApiTable.CreateAsync(server, rows: 0);
        using var writer = server.Client("writer");
        var commitsBefore = await TransactionsAsync(server);

        using var written = await writer.PostAsJsonAsync("/api/tables/docs/rows", new JsonObject { ["rows"] = new JsonArray([.. Enumerable.Range(0, 40).Select(i => (JsonNode)ApiTable.RowAt(i))]) });
        Assert.Equal(HttpStatusCode.OK, written.StatusCode);
        Assert.Equal(40, JsonDocument.Parse(await written.Content.ReadAsStringAsync()).RootElement.GetProperty("rowsWritten").GetInt64());
        Assert.Equal(commitsBefore + 1, await TransactionsAsync(server));

        var expected = await ApiTable.CliQueryAsync(server, "--region", "{}", "--auths", "PUBLIC,RED,BLUE");
        Assert.Equal(40, expected.Length);
        using var admin = server.Client("admin");
        using var queried = await admin.PostAsync("/api/tables/docs/query", ApiTable.Json("""{"region":{}}"""));
        Assert.Equal(expected, (await queried.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries));
        // The values went in as they were written: the row JSON form goes both ways.
        var first = JsonNode.Parse(expected.Single(l => l.Contains("\"a026\"")))!;
        Assert.True(JsonNode.DeepEquals(ApiTable.RowAt(26), first), first.ToJsonString());
    }

    [Theory]
    [InlineData("""{"key":"x","n":1,"count":"seven"}""", "field 'count'")]
    [InlineData("""{"n":1,"count":7}""", "row key 'key'")]
    [InlineData("""{"key":"x","n":1,"count":7,"colour":"red"}""", "field 'colour'")]
    [InlineData("""{"key":"x","n":1,"count":7,"blob":"not base64!"}""", "blob")]
    [InlineData("""{"key":"x","n":1,"count":7,"vis":"RED&|BLUE"}""", "field 'vis'")]
    [InlineData("""[1]""", "rows[2]")]
    public async Task A_bad_row_is_400_naming_the_row_and_field_and_nothing_is_stored(string badRow, string inError)
    {
        await using var server = await ServerFixture.StartAsync();
        await ApiTable.CreateAsync(server, rows: 4);
        using var writer = server.Client("writer");
        var rows = $$"""{"rows":[{{ApiTable.RowAt(10).ToJsonString()}},{{ApiTable.RowAt(11).ToJsonString()}},{{badRow}}]}""";

        using var response = await writer.PostAsync("/api/tables/docs/rows", ApiTable.Json(rows));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = (await ApiTable.ErrorOf(response)).GetProperty("error").GetString()!;
        Assert.Contains(inError, error);
        // The row by its place in the request: rows[2], or "row 2" in the words of the label check.
        Assert.Matches(@"rows\[2\]|rows: row 2 ", error);
        var table = JsonDocument.Parse(await server.Client("admin").GetStringAsync("/api/tables/docs")).RootElement;
        Assert.Equal(4, table.GetProperty("status").GetProperty("rows").GetInt64());
    }

    [Fact]
    public async Task Past_the_row_and_body_limits_a_write_is_413_and_writes_nothing()
    {
        await using var server = await ServerFixture.StartAsync(new ServerOptions { Limits = new ServerLimits { MaxRowsPerWrite = 5, MaxRequestBodyBytes = 4096 } });
        await ApiTable.CreateAsync(server, rows: 4);
        using var writer = server.Client("writer");

        using var tooMany = await writer.PostAsJsonAsync("/api/tables/docs/rows", new JsonObject { ["rows"] = new JsonArray([.. Enumerable.Range(10, 6).Select(i => (JsonNode)ApiTable.RowAt(i))]) });
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, tooMany.StatusCode);
        Assert.Contains("sleeper.server.write.rows.max", (await ApiTable.ErrorOf(tooMany)).GetProperty("error").GetString());

        var big = new JsonObject { ["rows"] = new JsonArray(new JsonObject { ["key"] = new string('k', 5000), ["n"] = 1, ["count"] = 1 }) };
        using var tooBig = await writer.PostAsJsonAsync("/api/tables/docs/rows", big);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, tooBig.StatusCode);
        await ApiTable.ErrorOf(tooBig);

        var table = JsonDocument.Parse(await server.Client("admin").GetStringAsync("/api/tables/docs")).RootElement;
        Assert.Equal(4, table.GetProperty("status").GetProperty("rows").GetInt64());
    }

    private static async Task<long> TransactionsAsync(ServerFixture server)
    {
        var table = await server.Instance.OpenTableAsync("docs");
        await table.StateStore.GetStateAsync();
        return (await table.StateStore.GetReadStateAsync()).TransactionNumber;
    }
}
