using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Apache.Arrow.Ipc;
using Sleeper.Core;
using Sleeper.Core.Batches;
using Sleeper.Parquet;
using Sleeper.StateStore.LocalFiles;

namespace Sleeper.Server.Tests;

/// <summary>
/// REST queries give exactly the rows `sleeper query` gives with the caller's authorisations, line for line, in
/// each of the three forms; and nothing in a request can widen what the caller's key may see.
/// </summary>
public sealed class QueryApiTest(FilledServer filled) : IClassFixture<FilledServer>
{
    private ServerFixture Server => filled.Server;

    /// <summary>Stands for: the CLI reads the very same JSON with --query-file.</summary>
    public const string QueryFileFromBody = "(query file of the body)";

    /// <summary>Each query as the REST body and as the CLI's arguments.</summary>
    public static TheoryData<string, string, string[]> Queries => new()
    {
        { "reader", """{"region":{}}""", ["--region", "{}"] },
        { "writer", """{"region":{}}""", ["--region", "{}"] },
        { "admin", """{"region":{}}""", ["--region", "{}"] },
        { "writer", """{"keys":[{"key":"c002"},{"key":"h033"},{"key":"d003"},{"key":"zzz"}]}""", ["--key", "c002", "--key", "h033", "--key", "d003", "--key", "zzz"] },
        { "reader", """{"ranges":[{"min":{"key":"b"},"max":{"key":"m"}}]}""", ["--range", "b,m"] },
        { "admin", """{"region":{"key":["d",true,"t",false]},"requestedValueFields":["tags","vis"]}""", ["--region", """{"key":["d",true,"t",false]}""", "--fields", "key,n,tags,vis"] },
        { "writer", """{"tableName":"docs","queryId":"q1","ranges":[{"key":{"min":"e","max":"s","maxInclusive":true}}],"requestedValueFields":["count"]}""", [QueryFileFromBody] },
    };

    [Theory]
    [MemberData(nameof(Queries))]
    public async Task A_REST_query_returns_the_rows_of_the_CLI_with_the_callers_authorisations(string user, string body, string[] cliArgs)
    {
        using var temp = new TempFolder();
        if (cliArgs is [QueryFileFromBody])
        {
            await File.WriteAllTextAsync(temp.Combine("query.json"), body);
            cliArgs = ["--query-file", temp.Combine("query.json")];
        }
        var expected = await ApiTable.CliQueryAsync(Server, [.. cliArgs, "--auths", AuthsOf(user)]);
        using var response = await Server.Client(user).PostAsync($"/api/tables/{ApiTable.Name}/query", ApiTable.Json(body));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/x-ndjson", response.Content.Headers.ContentType?.MediaType);
        var lines = (await response.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(expected, lines);
        Assert.NotEmpty(lines);
    }

    [Fact]
    public async Task Arrow_IPC_and_Parquet_answers_decode_to_the_same_rows_as_JSON_lines()
    {
        const string body = """{"region":{"key":["b",true,"x",false]},"requestedValueFields":["blob","tags","attrs","vis"]}""";
        var expected = await ApiTable.CliQueryAsync(Server, "--region", """{"key":["b",true,"x",false]}""", "--fields", "key,n,blob,tags,attrs,vis", "--auths", "PUBLIC,RED");
        var fields = new[] { "key", "n", "blob", "tags", "attrs", "vis" };

        using var arrowRequest = new HttpRequestMessage(HttpMethod.Post, $"/api/tables/{ApiTable.Name}/query") { Content = ApiTable.Json(body) };
        arrowRequest.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/vnd.apache.arrow.stream"));
        using var arrow = await Server.Client("writer").SendAsync(arrowRequest);
        Assert.Equal(HttpStatusCode.OK, arrow.StatusCode);
        Assert.Equal("application/vnd.apache.arrow.stream", arrow.Content.Headers.ContentType?.MediaType);
        var fromArrow = new List<string>();
        using (var reader = new ArrowStreamReader(await arrow.Content.ReadAsStreamAsync()))
        {
            Assert.Equal(fields, reader.Schema.FieldsList.Select(f => f.Name));
            while (await reader.ReadNextRecordBatchAsync() is { } batch)
            {
                using (batch)
                {
                    fromArrow.AddRange(Lines(batch, fields));
                }
            }
        }
        Assert.Equal(expected, fromArrow);

        using var parquetRequest = new HttpRequestMessage(HttpMethod.Post, $"/api/tables/{ApiTable.Name}/query") { Content = ApiTable.Json(body) };
        parquetRequest.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/vnd.apache.parquet"));
        using var parquet = await Server.Client("writer").SendAsync(parquetRequest);
        Assert.Equal(HttpStatusCode.OK, parquet.StatusCode);
        Assert.Equal("application/vnd.apache.parquet", parquet.Content.Headers.ContentType?.MediaType);
        using var temp = new TempFolder();
        await File.WriteAllBytesAsync(temp.Combine("rows.parquet"), await parquet.Content.ReadAsByteArrayAsync());
        var fromParquet = new List<string>();
        await foreach (var batch in QueryResultsParquet.ReadAsync(new LocalObjectStore(temp.Path, flushToDisk: false), "rows.parquet"))
        {
            using (batch)
            {
                fromParquet.AddRange(Lines(batch, fields));
            }
        }
        Assert.Equal(expected, fromParquet);
    }

    [Fact]
    public async Task A_query_body_cannot_widen_the_callers_authorisations()
    {
        using var reader = Server.Client("reader");
        foreach (var property in new[] { "authorisations", "auths", "authorizations" })
        {
            using var response = await reader.PostAsync($"/api/tables/{ApiTable.Name}/query",
                ApiTable.Json($$"""{"region":{},"{{property}}":["RED","BLUE"]}"""));
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Contains("authorisations of its API key", (await ApiTable.ErrorOf(response)).GetProperty("error").GetString());
        }
        // Nor through the query string or a header: the reader still sees only what PUBLIC allows.
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/tables/{ApiTable.Name}/query?auths=RED,BLUE&authorisations=RED") { Content = ApiTable.Json("""{"region":{}}""") };
        request.Headers.Add("X-Sleeper-Authorisations", "RED,BLUE");
        using var widened = await reader.SendAsync(request);
        var rows = (await widened.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(ApiTable.RowCount / 2, rows.Count);
        Assert.All(rows, r => Assert.Contains(r.GetProperty("vis").ValueKind == JsonValueKind.Null ? null : r.GetProperty("vis").GetString(), new string?[] { null, "", "PUBLIC" }));
    }

    [Fact]
    public async Task Bad_queries_get_a_4xx_that_says_what_is_wrong()
    {
        using var reader = Server.Client("reader");
        async Task ExpectAsync(HttpStatusCode status, string path, string body, string inError, string? accept = null)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = ApiTable.Json(body) };
            if (accept is not null)
            {
                request.Headers.Accept.ParseAdd(accept);
            }
            using var response = await reader.SendAsync(request);
            Assert.Equal(status, response.StatusCode);
            Assert.Contains(inError, (await ApiTable.ErrorOf(response)).GetProperty("error").GetString());
        }
        var path = $"/api/tables/{ApiTable.Name}/query";
        await ExpectAsync(HttpStatusCode.BadRequest, path, """{"region":""", "not valid JSON");
        await ExpectAsync(HttpStatusCode.BadRequest, path, """[1,2]""", "JSON object");
        await ExpectAsync(HttpStatusCode.BadRequest, path, """{"region":{"nokey":["a",true,"b",false]}}""", "'nokey' is not a row key field");
        await ExpectAsync(HttpStatusCode.BadRequest, path, """{"keys":[{"key":"a"}],"requestedValueFields":["nope"]}""", "'nope' is not a field");
        await ExpectAsync(HttpStatusCode.BadRequest, path, """{"keys":[{"key":"a"}],"tableName":"other"}""", "tableName is 'other'");
        await ExpectAsync(HttpStatusCode.BadRequest, path, """{"nothing":true}""", "unknown property 'nothing'");
        await ExpectAsync(HttpStatusCode.NotFound, "/api/tables/missing/query", """{"region":{}}""", "missing");
        await ExpectAsync(HttpStatusCode.NotAcceptable, path, """{"region":{}}""", "application/x-ndjson", accept: "text/csv");
    }

    private static string AuthsOf(string user) => user switch
    {
        "reader" => "PUBLIC",
        "writer" => "PUBLIC,RED",
        _ => "PUBLIC,RED,BLUE",
    };

    /// <summary>Rows of a decoded batch as the JSON lines the API writes, so the forms compare line for line.</summary>
    private static IEnumerable<string> Lines(Apache.Arrow.RecordBatch batch, string[] names)
    {
        var fields = names.Select(n => new Core.Schema.Field(n, Core.Schema.StringType.Instance)).ToList();
        for (var i = 0; i < batch.Length; i++)
        {
            using var buffer = new MemoryStream();
            using (var json = new Utf8JsonWriter(buffer, RowJson.WriterOptions))
            {
                RowJson.WriteRow(json, fields, BatchRows.GetRow(batch, i));
            }
            yield return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
        }
    }
}
