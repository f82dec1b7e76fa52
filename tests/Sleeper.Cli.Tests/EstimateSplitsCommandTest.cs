using System.Text;
using System.Text.Json.Nodes;
using Sleeper.Core.Schema;
using Sleeper.Core.Sketches;
using Sleeper.Parquet;

namespace Sleeper.Cli.Tests;

/// <summary>table estimate-splits: split points from sample files that give a new table evenly filled leaves.</summary>
public sealed class EstimateSplitsCommandTest : IDisposable
{
    private readonly CliRunner _cli = new();

    public void Dispose() => _cli.Dispose();

    private async Task<string> GenerateAsync(string name, string schema, long rows, int seed = 1)
    {
        var path = Path.Combine(_cli.Folder, name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await _cli.OkAsync("generate", "--schema", schema, "--rows", rows.ToString(System.Globalization.CultureInfo.InvariantCulture), "--output", path, "--seed", seed.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return path;
    }

    private async Task<JsonArray> LeavesAsync(string table) =>
        new(JsonNode.Parse((await _cli.OkAsync("status", table, "--report", "partitions", "--format", "json")).Output)!.AsArray()
            .Where(p => p!["isLeaf"]!.GetValue<bool>()).Select(p => p!.DeepClone()).ToArray());

    private static void AssertEven(JsonArray leaves, int partitions, long rows)
    {
        Assert.Equal(partitions, leaves.Count);
        Assert.Equal(rows, leaves.Sum(l => l!["rowCount"]!.GetValue<long>()));
        var even = (double)rows / partitions;
        Assert.All(leaves, l =>
        {
            var count = l!["rowCount"]!.GetValue<long>();
            Assert.True(count >= even / 2 && count <= even * 2, $"Leaf {l["id"]} holds {count} rows; an even share is {even:F0}.");
        });
    }

    [Fact]
    public async Task Eight_estimated_splits_give_a_new_table_eight_evenly_filled_leaves()
    {
        await _cli.OkAsync("instance", "create");
        var file = await GenerateAsync("sample/rows.parquet", CliRunner.Example("schema.json"), 100_000);

        var estimated = await _cli.OkAsync("table", "estimate-splits", "--schema", CliRunner.Example("schema.json"), "--partitions", "8", file);

        Assert.Equal(7, estimated.Lines.Length);
        Assert.Equal("", estimated.Error);
        var splits = _cli.WriteFile("splits.txt", estimated.Output);
        await _cli.OkAsync("table", "create", "t", "--schema", CliRunner.Example("schema.json"), "--split-points", splits);
        await _cli.OkAsync("ingest", "t", file);
        AssertEven(await LeavesAsync("t"), 8, 100_000);
    }

    [Fact]
    public async Task A_folder_is_read_recursively_and_the_same_files_give_the_same_points()
    {
        await _cli.OkAsync("instance", "create");
        await GenerateAsync("sample/a.parquet", CliRunner.Example("schema.json"), 30_000, seed: 1);
        await GenerateAsync("sample/deeper/b.parquet", CliRunner.Example("schema.json"), 30_000, seed: 2);
        _cli.WriteFile("sample/notes.txt", "not parquet, and not read");

        var first = await _cli.OkAsync("table", "estimate-splits", "--schema", CliRunner.Example("schema.json"), "--partitions", "4", Path.Combine(_cli.Folder, "sample"));
        var again = await _cli.OkAsync("table", "estimate-splits", "--schema", CliRunner.Example("schema.json"), "--partitions", "4", Path.Combine(_cli.Folder, "sample"));

        Assert.Equal(3, first.Lines.Length);
        Assert.Equal(first.Output, again.Output);
        await _cli.OkAsync("table", "create", "t", "--schema", CliRunner.Example("schema.json"), "--split-points", _cli.WriteFile("splits.txt", first.Output));
        await _cli.OkAsync("ingest", "t", Path.Combine(_cli.Folder, "sample"));
        AssertEven(await LeavesAsync("t"), 4, 60_000);
    }

    [Theory]
    [InlineData("IntType")]
    [InlineData("LongType")]
    [InlineData("ByteArrayType")]
    public async Task Keys_of_every_type_can_be_estimated_and_used(string keyType)
    {
        await _cli.OkAsync("instance", "create");
        var schema = _cli.WriteFile("schema.json", $"{{\"rowKeyFields\":[{{\"name\":\"id\",\"type\":\"{keyType}\"}}],\"valueFields\":[{{\"name\":\"v\",\"type\":\"StringType\"}}]}}");
        var file = await GenerateAsync("rows.parquet", schema, 40_000);

        var estimated = await _cli.OkAsync("table", "estimate-splits", "--schema", schema, "--partitions", "5", file);

        Assert.Equal(4, estimated.Lines.Length);
        if (keyType == "ByteArrayType")
        {
            Assert.All(estimated.Lines, line => Convert.FromBase64String(line));
        }
        await _cli.OkAsync("table", "create", "t", "--schema", schema, "--split-points", _cli.WriteFile("splits.txt", estimated.Output));
        await _cli.OkAsync("ingest", "t", file);
        AssertEven(await LeavesAsync("t"), 5, 40_000);
    }

    [Fact]
    public async Task A_table_with_base64_splits_gets_base64_strings_that_a_table_like_it_accepts()
    {
        await _cli.OkAsync("instance", "create");
        const string base64 = "sleeper.table.splits.base64.encoded=true";
        await _cli.OkAsync("table", "create", "like", "--schema", CliRunner.Example("schema.json"), "--property", base64);
        var file = await GenerateAsync("rows.parquet", CliRunner.Example("schema.json"), 50_000);

        var estimated = await _cli.OkAsync("table", "estimate-splits", "like", "--partitions", "6", file);
        var fromSchema = await _cli.OkAsync("table", "estimate-splits", "--schema", CliRunner.Example("schema.json"), "--base64", "--partitions", "6", file);
        var plain = await _cli.OkAsync("table", "estimate-splits", "--schema", CliRunner.Example("schema.json"), "--partitions", "6", file);

        Assert.Equal(estimated.Output, fromSchema.Output);
        var strict = new UTF8Encoding(false, true);
        Assert.Equal(plain.Lines, estimated.Lines.Select(l => strict.GetString(Convert.FromBase64String(l))));
        await _cli.OkAsync("table", "create", "t", "--schema", CliRunner.Example("schema.json"), "--property", base64, "--split-points", _cli.WriteFile("splits.txt", estimated.Output));
        await _cli.OkAsync("ingest", "t", file);
        AssertEven(await LeavesAsync("t"), 6, 50_000);
    }

    [Fact]
    public async Task A_sketches_file_beside_a_data_file_is_used_when_it_is_of_the_same_rows()
    {
        var schemaPath = CliRunner.Example("schema.json");
        var schema = SchemaSerDe.FromJson(await File.ReadAllTextAsync(schemaPath))!;
        // Few enough rows that the sketch keeps them all, so its quantiles are exact.
        var file = await GenerateAsync("rows.parquet", schemaPath, 1_000);
        // Keys the generator never makes (it writes letters and digits only), so the output shows which source was read.
        async Task WriteSketchesAsync(int rows)
        {
            var sketches = new RowKeySketches(schema, random: new Random(1));
            for (var i = 0; i < rows; i++)
            {
                sketches.Fields[0].Update($"~sketched-{i:D6}");
            }
            File.Delete(SketchesFile.PathFor(file));
            await SketchesFile.WriteAsync(SketchesFile.PathFor(file), sketches);
        }

        await WriteSketchesAsync(1_000);
        var fromSketches = await _cli.OkAsync("table", "estimate-splits", "--schema", schemaPath, "--partitions", "4", file);
        Assert.Equal(["~sketched-000249", "~sketched-000499", "~sketched-000749"], fromSketches.Lines);

        // A different row count means the sketches are of some other file: the keys are read instead.
        await WriteSketchesAsync(999);
        var fromKeys = await _cli.OkAsync("table", "estimate-splits", "--schema", schemaPath, "--partitions", "4", file);
        Assert.Equal(3, fromKeys.Lines.Length);
        Assert.DoesNotContain(fromKeys.Lines, l => l.StartsWith('~'));
    }

    [Fact]
    public async Task The_files_of_a_table_are_estimated_from_their_sketches()
    {
        await _cli.OkAsync("instance", "create");
        await _cli.OkAsync("table", "create", "source", "--schema", CliRunner.Example("schema.json"));
        var file = await GenerateAsync("rows.parquet", CliRunner.Example("schema.json"), 40_000);
        await _cli.OkAsync("ingest", "source", file);
        var files = JsonNode.Parse((await _cli.OkAsync("status", "source", "--report", "files", "--format", "json")).Output)!["files"]!.AsArray();
        // File names are relative to the instance folder.
        var dataFile = Path.Combine(_cli.Instance, Assert.Single(files)!["filename"]!.GetValue<string>());
        Assert.True(File.Exists(SketchesFile.PathFor(dataFile)));

        var estimated = await _cli.OkAsync("table", "estimate-splits", "source", "--partitions", "4", dataFile);

        await _cli.OkAsync("table", "create", "t", "--schema", CliRunner.Example("schema.json"), "--split-points", _cli.WriteFile("splits.txt", estimated.Output));
        await _cli.OkAsync("ingest", "t", file);
        AssertEven(await LeavesAsync("t"), 4, 40_000);
    }

    [Fact]
    public async Task Few_distinct_keys_give_fewer_points_with_a_warning()
    {
        var file = _cli.WriteFile("few.jsonl", string.Concat(Enumerable.Range(0, 300).Select(i => $"{{\"key\":\"k{i % 3}\",\"timestamp\":{i},\"value\":\"v\"}}\n")));
        await _cli.OkAsync("instance", "create");
        await _cli.OkAsync("table", "create", "src", "--schema", CliRunner.Example("schema.json"));
        await _cli.OkAsync("ingest", "src", file);
        var dataFile = Path.Combine(_cli.Instance, JsonNode.Parse((await _cli.OkAsync("status", "src", "--report", "files", "--format", "json")).Output)!["files"]![0]!["filename"]!.GetValue<string>());

        var estimated = await _cli.OkAsync("table", "estimate-splits", "src", "--partitions", "8", dataFile);

        Assert.Equal(["k1", "k2"], estimated.Lines);
        Assert.Contains("3 partition(s) rather than 8", estimated.Error);
        Assert.Contains("'key'", estimated.Error);
    }

    [Fact]
    public async Task Bad_arguments_and_files_are_errors_naming_what_is_wrong()
    {
        await _cli.OkAsync("instance", "create");
        var schema = CliRunner.Example("schema.json");
        var file = await GenerateAsync("rows.parquet", schema, 1_000);

        await AssertFailsAsync(2, ["--partitions"], "table", "estimate-splits", "--schema", schema, "--partitions", "1", file);
        await AssertFailsAsync(2, ["--partitions"], "table", "estimate-splits", "--schema", schema, file);
        await AssertFailsAsync(2, ["PATH"], "table", "estimate-splits", "some-table", "--partitions", "4");

        var otherKey = _cli.WriteFile("id.json", "{\"rowKeyFields\":[{\"name\":\"id\",\"type\":\"LongType\"}]}");
        await AssertFailsAsync(1, ["rows.parquet", "'id'"], "table", "estimate-splits", "--schema", otherKey, "--partitions", "4", file);
        var wrongType = _cli.WriteFile("long-key.json", "{\"rowKeyFields\":[{\"name\":\"key\",\"type\":\"LongType\"}]}");
        await AssertFailsAsync(1, ["rows.parquet", "'key'", "LongType"], "table", "estimate-splits", "--schema", wrongType, "--partitions", "4", file);

        var empty = await GenerateAsync("empty.parquet", schema, 0);
        await AssertFailsAsync(1, ["no rows"], "table", "estimate-splits", "--schema", schema, "--partitions", "4", empty);
        await AssertFailsAsync(1, ["/no/such/file.parquet"], "table", "estimate-splits", "--schema", schema, "--partitions", "4", "/no/such/file.parquet");
        await AssertFailsAsync(1, ["'nope'"], "table", "estimate-splits", "nope", "--partitions", "4", file);
        await AssertFailsAsync(1, ["not-parquet.txt"], "table", "estimate-splits", "--schema", schema, "--partitions", "4", _cli.WriteFile("not-parquet.txt", "hello"));
    }

    private async Task AssertFailsAsync(int status, string[] mustMention, params string[] args)
    {
        var result = await _cli.RunAsync(args);
        Assert.True(status == result.Status, $"expected exit {status}, got {result.Status}; stderr: {result.Error}");
        foreach (var text in mustMention)
        {
            Assert.Contains(text, result.Error);
        }
        Assert.DoesNotContain("   at ", result.Error);
        Assert.Equal("", result.Output);
    }
}
