namespace Sleeper.Cli.Tests;

public sealed class GenerateCommandTest : IDisposable
{
    private readonly CliRunner _cli = new();

    public void Dispose() => _cli.Dispose();

    private const string EveryType = """
        {"rowKeyFields":[{"name":"id","type":"IntType"},{"name":"name","type":"StringType"}],
         "sortKeyFields":[{"name":"raw","type":"ByteArrayType"},{"name":"at","type":"LongType"}],
         "valueFields":[{"name":"note","type":"StringType","nullable":true},
                        {"name":"tags","type":{"ListType":{"elementType":"StringType"}},"nullable":true},
                        {"name":"scores","type":{"MapType":{"keyType":"ByteArrayType","valueType":"LongType"}}},
                        {"name":"small","type":"IntType","nullable":true}]}
        """;

    private async Task<string> GenerateAndIngestAsync(string schema, string table, int seed, int rows)
    {
        var file = Path.Combine(_cli.Folder, $"{table}.parquet");
        var generated = await _cli.OkAsync("generate", "--schema", schema, "--rows", rows.ToString(), "--output", file, "--seed", seed.ToString());
        Assert.Contains($"Wrote {rows:N0} row(s)", generated.Output);
        await _cli.OkAsync("table", "create", table, "--schema", schema);
        await _cli.OkAsync("ingest", table, file);
        return (await _cli.OkAsync("query", table, "--region", "{}")).Output;
    }

    [Fact]
    public async Task Generated_rows_of_every_type_ingest_cleanly_and_the_same_seed_gives_the_same_rows()
    {
        await _cli.OkAsync("instance", "create");
        var schema = _cli.WriteFile("every-type.json", EveryType);

        var first = await GenerateAndIngestAsync(schema, "a", seed: 3, rows: 5000);
        var again = await GenerateAndIngestAsync(schema, "b", seed: 3, rows: 5000);
        var other = await GenerateAndIngestAsync(schema, "c", seed: 4, rows: 5000);

        Assert.Equal(5000, first.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.Equal(first, again);
        Assert.NotEqual(first, other);
        Assert.Contains("null", first);
    }

    [Fact]
    public async Task Generating_no_rows_writes_an_empty_file_with_the_schema_and_bad_arguments_are_refused()
    {
        await _cli.OkAsync("instance", "create");
        var schema = _cli.WriteFile("every-type.json", EveryType);
        Assert.Equal("", await GenerateAndIngestAsync(schema, "empty", seed: 1, rows: 0));
        Assert.Equal(2, (await _cli.RunAsync("generate", "--schema", schema, "--rows", "-5", "--output", Path.Combine(_cli.Folder, "x.parquet"))).Status);
        Assert.Equal(1, (await _cli.RunAsync("generate", "--schema", "/no/such.json", "--rows", "5", "--output", Path.Combine(_cli.Folder, "x.parquet"))).Status);
        Assert.False(File.Exists(Path.Combine(_cli.Folder, "x.parquet")));
    }
}
