using System.Text.Json.Nodes;

namespace Sleeper.Cli.Tests;

/// <summary>A table's filters and aggregation apply to queries too, so answers do not change when compaction runs.</summary>
public sealed class TableIteratorsAtQueryTimeTest : IDisposable
{
    private readonly CliRunner _cli = new();

    public void Dispose() => _cli.Dispose();

    [Fact]
    public async Task Aggregated_and_aged_off_rows_read_the_same_before_and_after_compaction()
    {
        var schema = _cli.WriteFile("counts.json", """
            {"rowKeyFields":[{"name":"key","type":"StringType"}],
             "sortKeyFields":[{"name":"day","type":"LongType"}],
             "valueFields":[{"name":"count","type":"LongType"},{"name":"peak","type":"LongType"}]}
            """);
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var rows = _cli.WriteFile("rows.jsonl",
            $"{{\"key\":\"a\",\"day\":{now},\"count\":2,\"peak\":5}}\n" +
            $"{{\"key\":\"a\",\"day\":{now},\"count\":3,\"peak\":9}}\n" +
            $"{{\"key\":\"b\",\"day\":{now},\"count\":1,\"peak\":1}}\n" +
            "{\"key\":\"c\",\"day\":0,\"count\":7,\"peak\":7}\n");
        await _cli.OkAsync("instance", "create");
        await _cli.OkAsync("table", "create", "t", "--schema", schema,
            "--property", "sleeper.table.aggregations=sum(count),max(peak)",
            "--property", "sleeper.table.filters=ageOff(day,86400000)");
        await _cli.OkAsync("ingest", "t", rows);
        await _cli.OkAsync("ingest", "t", rows);

        var before = (await _cli.OkAsync("query", "t", "--range", ",")).Lines;
        Assert.Equal(2, before.Length);
        var a = JsonNode.Parse(before[0])!;
        Assert.Equal(("a", 10L, 9L), (a["key"]!.GetValue<string>(), a["count"]!.GetValue<long>(), a["peak"]!.GetValue<long>()));
        Assert.Equal(2, JsonNode.Parse(before[1])!["count"]!.GetValue<long>());
        Assert.Equal(["{\"count\":10}"], (await _cli.OkAsync("query", "t", "--key", "a", "--fields", "count")).Lines);

        await _cli.OkAsync("compact", "t", "--all");
        Assert.Equal(before, (await _cli.OkAsync("query", "t", "--range", ",")).Lines);
    }
}
