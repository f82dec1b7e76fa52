using System.Text.Json.Nodes;

namespace Sleeper.Cli.Tests;

/// <summary>status --report partitions: the tree of a split table with files, as JSON and as a table.</summary>
public sealed class PartitionsReportTest : IDisposable
{
    private readonly CliRunner _cli = new();

    public void Dispose() => _cli.Dispose();

    // examples/splits.txt cuts at b, d and m; examples/rows.jsonl has two rows below b, two in [b, d), one in
    // [d, m) and two from m on.
    private static readonly Dictionary<string, long> s_rowsByLeafMin = new() { [""] = 2, ["b"] = 2, ["d"] = 1, ["m"] = 2 };

    private async Task SplitTableWithFilesAsync()
    {
        await _cli.OkAsync("instance", "create");
        await _cli.OkAsync("table", "create", "events", "--schema", CliRunner.Example("schema.json"), "--split-points", CliRunner.Example("splits.txt"));
        await _cli.OkAsync("ingest", "events", CliRunner.Example("rows.jsonl"));
        await _cli.OkAsync("ingest", "events", CliRunner.Example("rows.jsonl"));
    }

    [Fact]
    public async Task The_json_lists_the_tree_parents_first_with_regions_rows_and_references()
    {
        await SplitTableWithFilesAsync();

        var partitions = JsonNode.Parse((await _cli.OkAsync("status", "events", "--report", "partitions", "--format", "json")).Output)!.AsArray();

        Assert.Equal(7, partitions.Count);
        Assert.All(partitions, p => Assert.Equal(
            ["childIds", "fileReferenceCount", "id", "isLeaf", "parentId", "region", "rowCount"],
            p!.AsObject().Select(kv => kv.Key).Order(StringComparer.Ordinal)));
        var byId = partitions.ToDictionary(p => p!["id"]!.GetValue<string>(), p => p!);
        var seen = new HashSet<string>();
        foreach (var p in partitions)
        {
            var parentId = p!["parentId"]?.GetValue<string>();
            if (parentId is null)
            {
                Assert.Equal("root", p["id"]!.GetValue<string>());
            }
            else
            {
                Assert.Contains(parentId, seen);
                Assert.Contains(p["id"]!.GetValue<string>(), byId[parentId]["childIds"]!.AsArray().Select(c => c!.GetValue<string>()));
            }
            seen.Add(p["id"]!.GetValue<string>());
            var children = p["childIds"]!.AsArray();
            Assert.Equal(p["isLeaf"]!.GetValue<bool>(), children.Count == 0);
            var range = p["region"]!["key"]!.AsArray();
            Assert.True(range[1]!.GetValue<bool>());
            Assert.False(range[3]!.GetValue<bool>());
        }
        var root = byId["root"];
        Assert.Equal("[\"\",true,null,false]", root["region"]!["key"]!.ToJsonString());
        var leaves = partitions.Where(p => p!["isLeaf"]!.GetValue<bool>()).ToList();
        Assert.Equal(4, leaves.Count);
        foreach (var leaf in leaves)
        {
            var min = leaf!["region"]!["key"]![0]!.GetValue<string>();
            // Two ingests, each one file with a reference in every leaf it has rows for.
            Assert.Equal(2 * s_rowsByLeafMin[min], leaf["rowCount"]!.GetValue<long>());
            Assert.Equal(2, leaf["fileReferenceCount"]!.GetValue<int>());
        }
        Assert.All(partitions.Where(p => !p!["isLeaf"]!.GetValue<bool>()), p => Assert.Equal(0, p!["rowCount"]!.GetValue<long>()));
    }

    [Fact]
    public async Task The_table_draws_each_partition_under_its_parent_with_its_region_and_rows()
    {
        await SplitTableWithFilesAsync();
        var partitions = JsonNode.Parse((await _cli.OkAsync("status", "events", "--report", "partitions", "--format", "json")).Output)!.AsArray();

        var table = (await _cli.OkAsync("status", "events", "--report", "partitions", "--format", "table")).Lines;

        Assert.Contains("14 rows in 2 file(s), 7 partition(s) of which 4 leaves", table[0]);
        var header = Assert.Single(table, l => l.Contains("partition") && l.Contains("region"));
        Assert.Contains("file refs", header);
        // One line a partition, in the JSON's (depth-first) order, each indented one step more than its parent.
        var rows = table.Where(l => partitions.Any(p => l.Contains(p!["id"]!.GetValue<string>() + " "))).ToList();
        Assert.Equal(partitions.Count, rows.Count);
        var column = new Dictionary<string, int>();
        for (var i = 0; i < partitions.Count; i++)
        {
            var p = partitions[i]!;
            var id = p["id"]!.GetValue<string>();
            var line = rows[i];
            column[id] = line.IndexOf(id, StringComparison.Ordinal);
            Assert.True(column[id] > 0, $"Row {i} should be partition {id}: {line}");
            if (p["parentId"]?.GetValue<string>() is { } parent)
            {
                Assert.Equal(column[parent] + 3, column[id]);
                var last = partitions.First(q => q!["id"]!.GetValue<string>() == parent)!["childIds"]!.AsArray().Last()!.GetValue<string>() == id;
                Assert.Contains((last ? "└─ " : "├─ ") + id, line);
            }
            // Counted from the right: the tree in the first column draws with the same bar as the borders.
            var cells = line.Split('│').Select(c => c.Trim()).Reverse().ToArray();
            var min = p["region"]!["key"]![0]!.GetValue<string>();
            var max = p["region"]!["key"]![2]?.GetValue<string>();
            Assert.Equal($"key [\"{min}\", {(max is null ? "∞" : $"\"{max}\"")})", cells[3]);
            Assert.Equal(p["isLeaf"]!.GetValue<bool>() ? "leaf" : "", cells[4]);
            Assert.Equal(p["rowCount"]!.GetValue<long>().ToString(System.Globalization.CultureInfo.InvariantCulture), cells[2]);
            Assert.Equal(p["fileReferenceCount"]!.GetValue<int>().ToString(System.Globalization.CultureInfo.InvariantCulture), cells[1]);
        }
    }
}
