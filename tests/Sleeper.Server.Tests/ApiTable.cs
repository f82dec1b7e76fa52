using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Sleeper.Cli;

namespace Sleeper.Server.Tests;

/// <summary>
/// A table made and filled through the API itself (created by the admin, rows written by the writer): string keys
/// split over three leaves, every kind of value, and a visibility field whose labels hide rows from some users.
/// </summary>
public static class ApiTable
{
    public const string Name = "docs";

    public static readonly JsonObject Schema = new()
    {
        ["rowKeyFields"] = new JsonArray(new JsonObject { ["name"] = "key", ["type"] = "StringType" }),
        ["sortKeyFields"] = new JsonArray(new JsonObject { ["name"] = "n", ["type"] = "LongType" }),
        ["valueFields"] = new JsonArray(
            new JsonObject { ["name"] = "count", ["type"] = "IntType" },
            new JsonObject { ["name"] = "blob", ["type"] = "ByteArrayType", ["nullable"] = true },
            new JsonObject { ["name"] = "tags", ["type"] = new JsonObject { ["ListType"] = new JsonObject { ["elementType"] = "StringType" } }, ["nullable"] = true },
            new JsonObject { ["name"] = "attrs", ["type"] = new JsonObject { ["MapType"] = new JsonObject { ["keyType"] = "StringType", ["valueType"] = "LongType" } }, ["nullable"] = true },
            new JsonObject { ["name"] = "vis", ["type"] = "StringType", ["nullable"] = true }),
    };

    /// <summary>The labels the rows cycle through: reader (PUBLIC) sees 3 in 6, writer (PUBLIC,RED) 4, admin all.</summary>
    public static readonly string?[] Labels = [null, "", "PUBLIC", "RED", "RED&BLUE", "BLUE"];

    public const int RowCount = 90;

    public static JsonObject RowAt(int i) => new()
    {
        ["key"] = $"{(char)('a' + i % 26)}{i:D3}",
        ["n"] = 1_000_000_000_000L + i,
        ["count"] = i,
        ["blob"] = i % 4 == 0 ? null : Convert.ToBase64String(new[] { (byte)i, (byte)(i * 7) }),
        ["tags"] = i % 5 == 0 ? null : new JsonArray($"t{i % 3}", "é\"quoted\""),
        ["attrs"] = i % 3 == 0 ? null : new JsonObject { ["x"] = i * 10L, ["y"] = -i },
        ["vis"] = Labels[i % Labels.Length],
    };

    public static async Task CreateAsync(ServerFixture server, int rows = RowCount)
    {
        using var admin = server.Client("admin");
        using var created = await admin.PostAsJsonAsync("/api/tables", new JsonObject
        {
            ["name"] = Name,
            ["schema"] = Schema.DeepClone(),
            ["properties"] = new JsonObject { ["sleeper.table.visibility.field"] = "vis" },
            ["splitPoints"] = new JsonArray("h", "q"),
        });
        Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        using var writer = server.Client("writer");
        // Two requests, two commits: the leaves hold more than one file each.
        foreach (var part in new[] { Enumerable.Range(0, rows / 2), Enumerable.Range(rows / 2, rows - rows / 2) })
        {
            using var written = await writer.PostAsJsonAsync($"/api/tables/{Name}/rows", new JsonObject { ["rows"] = new JsonArray([.. part.Select(i => (JsonNode)RowAt(i))]) });
            Assert.True(written.StatusCode == HttpStatusCode.OK, await written.Content.ReadAsStringAsync());
        }
    }

    public static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    public static async Task<JsonElement> ErrorOf(HttpResponseMessage response)
    {
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Single(body.EnumerateObject());
        Assert.False(string.IsNullOrWhiteSpace(body.GetProperty("error").GetString()));
        return body;
    }

    /// <summary>The JSON lines `sleeper query` prints for the arguments, run in-process against the server's instance.</summary>
    public static async Task<string[]> CliQueryAsync(ServerFixture server, params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var context = new CliContext { Out = output, Error = error, Interactive = false, OutputIsTerminal = false };
        var status = await SleeperCli.RunAsync(["query", Name, .. args, "--format", "jsonl", "--instance", server.Instance.Root!], context);
        Assert.True(status == 0, $"sleeper query {string.Join(' ', args)} failed: {error}");
        return output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }
}
