using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Sleeper.Server.Tests;

/// <summary>Tables through the API: created with properties and split points, described, changed, taken offline; mistakes are 4xx.</summary>
public sealed class TableApiTest
{
    [Fact]
    public async Task A_table_created_over_the_API_is_listed_and_described_with_its_schema_properties_and_status()
    {
        await using var server = await ServerFixture.StartAsync();
        await ApiTable.CreateAsync(server);
        using var reader = server.Client("reader");

        var list = JsonDocument.Parse(await reader.GetStringAsync("/api/tables")).RootElement;
        var entry = Assert.Single(list.EnumerateArray());
        Assert.Equal("docs", entry.GetProperty("name").GetString());
        Assert.True(entry.GetProperty("online").GetBoolean());

        var table = JsonDocument.Parse(await reader.GetStringAsync("/api/tables/docs")).RootElement;
        Assert.Equal(entry.GetProperty("id").GetString(), table.GetProperty("id").GetString());
        Assert.Equal(["key"], table.GetProperty("schema").GetProperty("rowKeyFields").EnumerateArray().Select(f => f.GetProperty("name").GetString()));
        Assert.Equal(7, table.GetProperty("schema").GetProperty("rowKeyFields").GetArrayLength() + table.GetProperty("schema").GetProperty("sortKeyFields").GetArrayLength()
            + table.GetProperty("schema").GetProperty("valueFields").GetArrayLength());
        Assert.Equal("vis", table.GetProperty("properties").GetProperty("sleeper.table.visibility.field").GetString());
        var status = table.GetProperty("status");
        Assert.Equal(3, status.GetProperty("leafPartitions").GetInt32());
        Assert.Equal(5, status.GetProperty("partitions").GetInt32());
        Assert.Equal(ApiTable.RowCount, status.GetProperty("rows").GetInt64());
        Assert.Equal(6, status.GetProperty("fileReferences").GetInt32());
    }

    [Fact]
    public async Task Properties_offline_and_online_are_for_admins_and_an_offline_table_refuses_queries_and_writes()
    {
        await using var server = await ServerFixture.StartAsync();
        await ApiTable.CreateAsync(server, rows: 10);
        using var admin = server.Client("admin");
        using var writer = server.Client("writer");

        // A query first, so the server holds the table open; the change must still be seen at once.
        using (var warm = await writer.PostAsync("/api/tables/docs/query", ApiTable.Json("""{"region":{}}""")))
        {
            Assert.Equal(HttpStatusCode.OK, warm.StatusCode);
        }
        using (var set = await admin.PutAsync("/api/tables/docs/properties", ApiTable.Json("""{"sleeper.table.compaction.files.batch.size":5}""")))
        {
            Assert.Equal(HttpStatusCode.OK, set.StatusCode);
            Assert.Equal("5", JsonDocument.Parse(await set.Content.ReadAsStringAsync()).RootElement.GetProperty("sleeper.table.compaction.files.batch.size").GetString());
        }
        var described = JsonDocument.Parse(await admin.GetStringAsync("/api/tables/docs")).RootElement;
        Assert.Equal("5", described.GetProperty("properties").GetProperty("sleeper.table.compaction.files.batch.size").GetString());
        using (var bad = await admin.PutAsync("/api/tables/docs/properties", ApiTable.Json("""{"sleeper.table.no.such.property":"1"}""")))
        {
            Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
            Assert.Contains("sleeper.table.no.such.property", (await ApiTable.ErrorOf(bad)).GetProperty("error").GetString());
        }

        using (var offline = await admin.PostAsync("/api/tables/docs/offline", null))
        {
            Assert.False(JsonDocument.Parse(await offline.Content.ReadAsStringAsync()).RootElement.GetProperty("online").GetBoolean());
        }
        using (var refusedQuery = await writer.PostAsync("/api/tables/docs/query", ApiTable.Json("""{"region":{}}""")))
        {
            Assert.Equal(HttpStatusCode.Conflict, refusedQuery.StatusCode);
            Assert.Contains("offline", (await ApiTable.ErrorOf(refusedQuery)).GetProperty("error").GetString());
        }
        using (var refusedWrite = await writer.PostAsJsonAsync("/api/tables/docs/rows", new JsonObject { ["rows"] = new JsonArray(ApiTable.RowAt(50)) }))
        {
            Assert.Equal(HttpStatusCode.Conflict, refusedWrite.StatusCode);
        }
        using (var online = await admin.PostAsync("/api/tables/docs/online", null))
        {
            Assert.True(JsonDocument.Parse(await online.Content.ReadAsStringAsync()).RootElement.GetProperty("online").GetBoolean());
        }
        using var back = await writer.PostAsync("/api/tables/docs/query", ApiTable.Json("""{"region":{}}"""));
        Assert.Equal(HttpStatusCode.OK, back.StatusCode);
    }

    [Fact]
    public async Task Bad_schemas_names_split_points_and_bodies_and_unknown_or_existing_tables_are_4xx()
    {
        await using var server = await ServerFixture.StartAsync();
        using var admin = server.Client("admin");
        async Task ExpectAsync(HttpStatusCode status, string body, string inError)
        {
            using var response = await admin.PostAsync("/api/tables", ApiTable.Json(body));
            Assert.Equal(status, response.StatusCode);
            if (status != HttpStatusCode.Created)
            {
                Assert.Contains(inError, (await ApiTable.ErrorOf(response)).GetProperty("error").GetString());
            }
        }
        var schema = ApiTable.Schema.ToJsonString();
        await ExpectAsync(HttpStatusCode.BadRequest, """{"name":"t","schema":{"rowKeyFields":[{"name":"k","type":"FloatType"}]}}""", "FloatType");
        await ExpectAsync(HttpStatusCode.BadRequest, """{"name":"t","schema":{"rowKeyFields":[]}}""", "schema");
        await ExpectAsync(HttpStatusCode.BadRequest, """{"name":"t","schema":[]}""", "schema");
        await ExpectAsync(HttpStatusCode.BadRequest, $$"""{"schema":{{schema}}}""", "'name'");
        await ExpectAsync(HttpStatusCode.BadRequest, $$"""{"name":"a/b","schema":{{schema}}}""", "'name'");
        await ExpectAsync(HttpStatusCode.BadRequest, $$"""{"name":"t","schema":{{schema}},"splitPoints":[5]}""", "splitPoints[0]");
        await ExpectAsync(HttpStatusCode.BadRequest, $$$"""{"name":"t","schema":{{{schema}}},"properties":{"sleeper.table.splits.file":"/etc/passwd"}}""", "splitPoints");
        await ExpectAsync(HttpStatusCode.BadRequest, $$$"""{"name":"t","schema":{{{schema}}},"properties":{"sleeper.table.nope":"1"}}""", "sleeper.table.nope");
        await ExpectAsync(HttpStatusCode.BadRequest, $$"""{"name":"t","schema":{{schema}},"extra":1}""", "'extra'");
        await ExpectAsync(HttpStatusCode.BadRequest, """{"name":"t",""", "not valid JSON");
        Assert.Empty(await server.Instance.ListTablesAsync());

        await ExpectAsync(HttpStatusCode.Created, $$"""{"name":"t","schema":{{schema}}}""", "");
        await ExpectAsync(HttpStatusCode.Conflict, $$"""{"name":"t","schema":{{schema}}}""", "t");
        using var missing = await admin.GetAsync("/api/tables/nope");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Contains("nope", (await ApiTable.ErrorOf(missing)).GetProperty("error").GetString());
    }
}
