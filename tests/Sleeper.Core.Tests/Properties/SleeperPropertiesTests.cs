using Sleeper.Core.Properties;
using Xunit;

namespace Sleeper.Core.Tests.Properties;

public class SleeperPropertiesTests
{
    [Fact]
    public void Unset_properties_have_their_defaults()
    {
        var p = SleeperProperties.ForTable();

        Assert.Equal(12, p.GetInt(TableProperty.CompactionFilesBatchSize));
        Assert.Equal(1_000_000_000L, p.GetLong(TableProperty.PartitionSplittingThreshold));
        Assert.False(p.GetBool(TableProperty.SplitsBase64Encoded));
        Assert.Null(p.Get(TableProperty.Aggregations));
        Assert.Empty(p.SetValues);
    }

    [Fact]
    public void Unknown_property_is_named_with_a_close_suggestion()
    {
        var p = SleeperProperties.ForTable();

        var e = Assert.Throws<PropertyException>(() => p.Set("sleeper.table.compaction.file.batch.size", "3"));

        Assert.Contains("'sleeper.table.compaction.file.batch.size'", e.Message);
        Assert.Contains("Did you mean 'sleeper.table.compaction.files.batch.size'?", e.Message);
    }

    [Fact]
    public void Query_threads_is_not_a_property_because_nothing_reads_it()
    {
        // Queries read their files in one merge; a property that changed nothing was worse than none.
        Assert.Throws<PropertyException>(() => SleeperProperties.ForInstance().Set("sleeper.query.threads", "4"));
    }

    [Fact]
    public void Unknown_property_far_from_any_name_gets_no_suggestion()
    {
        var e = Assert.Throws<PropertyException>(() => SleeperProperties.ForInstance().Get("colour"));

        Assert.Contains("'colour'", e.Message);
        Assert.DoesNotContain("Did you mean", e.Message);
    }

    [Theory]
    [InlineData("sleeper.table.compaction.files.batch.size", "twelve")]
    [InlineData("sleeper.table.compaction.files.batch.size", "0")]
    [InlineData("sleeper.table.compaction.files.batch.size", "-1")]
    [InlineData("sleeper.table.compaction.files.batch.size", "2147483648")]
    [InlineData("sleeper.table.compaction.files.batch.size", "1.5")]
    [InlineData("sleeper.table.partition.splitting.threshold", "-5")]
    [InlineData("sleeper.table.gc.delay.minutes", "-1")]
    [InlineData("sleeper.table.parquet.compression.codec", "zip")]
    [InlineData("sleeper.table.compaction.strategy.class", "Random")]
    [InlineData("sleeper.table.splits.base64.encoded", "yes")]
    [InlineData("sleeper.table.splits.base64.encoded", "")]
    public void Bad_values_are_rejected_naming_the_property_and_value(string name, string value)
    {
        var p = SleeperProperties.ForTable();

        var e = Assert.Throws<PropertyException>(() => p.Set(name, value));

        Assert.Contains(name, e.Message);
        Assert.Contains($"'{value}'", e.Message);
        Assert.Null(p.SetValues.GetValueOrDefault(name));
    }

    [Fact]
    public void Enum_error_lists_the_allowed_values()
    {
        var e = Assert.Throws<PropertyException>(() => SleeperProperties.ForTable().Set(TableProperty.CompressionCodec.Name, "zip"));

        Assert.Contains("zstd", e.Message);
        Assert.Contains("snappy", e.Message);
    }

    [Fact]
    public void Zero_is_allowed_where_the_property_says_so()
    {
        var p = SleeperProperties.ForTable();
        p.Set(TableProperty.GcDelayMinutes.Name, "0");

        Assert.Equal(0, p.GetInt(TableProperty.GcDelayMinutes));
    }

    [Fact]
    public void Load_reads_java_properties_with_comments_and_both_separators()
    {
        var p = SleeperProperties.ForTable();

        p.Load("""
            # A comment
            ! Another comment
               
            sleeper.table.compaction.files.batch.size = 7
            sleeper.table.parquet.compression.codec: snappy
            sleeper.table.aggregations=sum(count),max(last)
            sleeper.table.splits.base64.encoded=TRUE
            """.Replace("\n", "\r\n"), "table.properties");

        Assert.Equal(7, p.GetInt(TableProperty.CompactionFilesBatchSize));
        Assert.Equal("snappy", p.Get(TableProperty.CompressionCodec));
        Assert.Equal("sum(count),max(last)", p.Get(TableProperty.Aggregations));
        Assert.True(p.GetBool(TableProperty.SplitsBase64Encoded));
    }

    [Fact]
    public void Load_errors_name_the_source_line_and_property()
    {
        var p = SleeperProperties.ForTable();

        var e = Assert.Throws<PropertyException>(() => p.Load("# c\nsleeper.table.gc.delay.minutes=5\nsleeper.table.gc.delay.minutes=soon\n", "table.properties"));
        var noSeparator = Assert.Throws<PropertyException>(() => p.Load("just some words\n", "table.properties"));

        Assert.StartsWith("table.properties line 3:", e.Message);
        Assert.Contains("sleeper.table.gc.delay.minutes", e.Message);
        Assert.StartsWith("table.properties line 1:", noSeparator.Message);
    }

    [Fact]
    public void Save_then_load_gives_the_same_values()
    {
        var p = SleeperProperties.ForTable();
        p.Set(TableProperty.CompactionFilesBatchSize.Name, "5");
        p.Set(TableProperty.Filters.Name, "ageOff(timestamp,86400000)");
        p.Set(TableProperty.IteratorConfig.Name, "a=b:c");
        p.SetFromAssignment("sleeper.table.ingest.file.writing.strategy=one_file_per_leaf");

        var loaded = SleeperProperties.ForTable();
        loaded.Load(p.Save(), "saved");

        Assert.Equal(p.SetValues, loaded.SetValues);
        Assert.Equal("a=b:c", loaded.Get(TableProperty.IteratorConfig));
        Assert.Equal(p.Save(), loaded.Save());
    }

    [Fact]
    public void Unset_returns_to_the_default_and_copy_is_independent()
    {
        var p = SleeperProperties.ForTable();
        p.Set(TableProperty.SizeRatioRatio.Name, "4");
        var copy = p.Copy();

        p.Unset(TableProperty.SizeRatioRatio.Name);

        Assert.Equal(3, p.GetInt(TableProperty.SizeRatioRatio));
        Assert.Equal(4, copy.GetInt(TableProperty.SizeRatioRatio));
        Assert.Throws<PropertyException>(() => p.Unset("sleeper.nope"));
    }

    [Theory]
    [InlineData("no-equals")]
    [InlineData("=value")]
    public void Assignment_without_a_name_is_rejected(string assignment)
    {
        var e = Assert.Throws<PropertyException>(() => SleeperProperties.ForTable().SetFromAssignment(assignment));

        Assert.Contains(assignment, e.Message);
    }

    [Fact]
    public void Every_default_passes_its_own_check()
    {
        foreach (var d in TableProperty.All.Concat(InstanceProperty.All).Where(d => d.DefaultValue is not null))
        {
            d.Validate(d.DefaultValue!);
        }
    }
}
