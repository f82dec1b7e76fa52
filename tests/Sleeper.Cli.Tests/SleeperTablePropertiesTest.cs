namespace Sleeper.Cli.Tests;

/// <summary>table create --properties takes Sleeper's own table.properties: honoured where it can be, warned about where not.</summary>
public sealed class SleeperTablePropertiesTest : IDisposable
{
    private readonly CliRunner _cli = new();

    public void Dispose() => _cli.Dispose();

    private const string SleeperStyle = """
        ## The following table properties relate to the definition of data inside a table.
        sleeper.table.name=events
        sleeper.table.splits.file=splits/points.txt
        sleeper.table.parquet.rowgroup.rows.max=50000
        sleeper.table.parquet.page.size=65536
        sleeper.table.parquet.compression.codec=snappy
        sleeper.table.gc.delay.minutes=30
        sleeper.table.compaction.strategy.class=sleeper.compaction.core.job.creation.strategy.impl.BasicCompactionStrategy
        sleeper.table.statestore.classname=DynamoDBTransactionLogStateStore
        sleeper.table.compaction.job.commit.async=true
        """;

    private string WriteSleeperStyle(string text = SleeperStyle)
    {
        Directory.CreateDirectory(Path.Combine(_cli.Folder, "splits"));
        File.WriteAllText(Path.Combine(_cli.Folder, "splits", "points.txt"), "b\nd\nm\n");
        return _cli.WriteFile("table.properties", text);
    }

    private static string ValueLine(string output, string name) =>
        output.Split('\n').Single(l => l.Contains(name + " ", StringComparison.Ordinal) || l.Contains(name + "=", StringComparison.Ordinal)
            || l.Contains($"\"{name}\"", StringComparison.Ordinal));

    [Fact]
    public async Task Sleepers_table_properties_create_the_table_honouring_what_exists_here_and_warning_about_the_rest()
    {
        await _cli.OkAsync("instance", "create");
        var created = await _cli.OkAsync("table", "create", "events", "--schema", CliRunner.Example("schema.json"), "--properties", WriteSleeperStyle());

        Assert.Contains("4 leaf partitions", created.Output);
        var warnings = created.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, warnings.Length);
        Assert.Contains(warnings, w => w.Contains("sleeper.table.statestore.classname has no effect in this implementation"));
        Assert.Contains(warnings, w => w.Contains("sleeper.table.compaction.job.commit.async has no effect in this implementation"));

        var shown = (await _cli.OkAsync("table", "properties", "events", "--format", "json")).Output;
        Assert.Contains("50000", ValueLine(shown, "sleeper.table.parquet.rowgroup.rows.max"));
        Assert.Contains("65536", ValueLine(shown, "sleeper.table.parquet.page.size"));
        Assert.Contains("snappy", ValueLine(shown, "sleeper.table.parquet.compression.codec"));
        Assert.Contains("30", ValueLine(shown, "sleeper.table.gc.delay.minutes"));
        Assert.Contains("BasicCompactionStrategy", ValueLine(shown, "sleeper.table.compaction.strategy.class"));
        Assert.DoesNotContain("statestore.classname", shown);
        Assert.DoesNotContain("sleeper.table.name", shown);
    }

    [Fact]
    public async Task The_example_table_properties_creates_a_table()
    {
        await _cli.OkAsync("instance", "create");
        var created = await _cli.OkAsync("table", "create", "events", "--schema", CliRunner.Example("schema.json"), "--properties", CliRunner.Example("table.properties"));
        Assert.Contains("4 leaf partitions", created.Output);
    }

    [Fact]
    public async Task A_misspelt_property_is_still_an_error_with_a_suggestion()
    {
        await _cli.OkAsync("instance", "create");
        var file = WriteSleeperStyle(SleeperStyle + "\nsleeper.table.parquet.compresion.codec=zstd\nsleeper.table.statestore.clasname=x\n");
        var result = await _cli.RunAsync("table", "create", "events", "--schema", CliRunner.Example("schema.json"), "--properties", file);
        Assert.Equal(1, result.Status);
        Assert.Contains("table.properties line 11", result.Error);
        Assert.Contains("Did you mean 'sleeper.table.parquet.compression.codec'?", result.Error);

        var other = WriteSleeperStyle("sleeper.table.statestore.clasname=x\n");
        result = await _cli.RunAsync("table", "create", "events", "--schema", CliRunner.Example("schema.json"), "--properties", other);
        Assert.Equal(1, result.Status);
        Assert.Contains("Did you mean 'sleeper.table.statestore.classname'?", result.Error);
        Assert.DoesNotContain("events", (await _cli.OkAsync("table", "list", "--format", "json")).Output);
    }

    [Fact]
    public async Task A_different_table_name_or_a_second_split_points_file_is_an_error()
    {
        await _cli.OkAsync("instance", "create");
        var file = WriteSleeperStyle();
        var result = await _cli.RunAsync("table", "create", "other", "--schema", CliRunner.Example("schema.json"), "--properties", file);
        Assert.Equal(1, result.Status);
        Assert.Contains("sleeper.table.name is 'events' but the table being created is 'other'", result.Error);

        result = await _cli.RunAsync("table", "create", "events", "--schema", CliRunner.Example("schema.json"), "--properties", file,
            "--split-points", CliRunner.Example("splits.txt"));
        Assert.Equal(1, result.Status);
        Assert.Contains("conflicts with sleeper.table.splits.file", result.Error);

        var same = Path.Combine(_cli.Folder, "splits", "points.txt");
        var created = await _cli.OkAsync("table", "create", "events", "--schema", CliRunner.Example("schema.json"), "--properties", file, "--split-points", same);
        Assert.Contains("4 leaf partitions", created.Output);
    }

    [Fact]
    public async Task Sleepers_online_property_false_creates_the_table_offline()
    {
        await _cli.OkAsync("instance", "create");
        await _cli.OkAsync("table", "create", "events", "--schema", CliRunner.Example("schema.json"), "--property", "sleeper.table.online=false");
        Assert.Contains("\"online\": false", (await _cli.OkAsync("table", "list", "--format", "json")).Output.Replace("\"online\":false", "\"online\": false"));
    }
}
