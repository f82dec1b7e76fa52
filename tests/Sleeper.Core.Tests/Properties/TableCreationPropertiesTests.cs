using Sleeper.Core.Properties;

namespace Sleeper.Core.Tests.Properties;

public sealed class TableCreationPropertiesTests
{
    [Fact]
    public void Every_table_property_of_Sleeper_is_honoured_or_accepted_with_one_warning()
    {
        var given = new TableCreationProperties();
        var sleeperNames = TableProperty.All.Select(d => d.Name).Concat(TableProperty.CreationOnly.Select(d => d.Name)).Concat(TableProperty.NoEffectHere).ToList();
        Assert.Equal(sleeperNames.Count, sleeperNames.Distinct().Count());
        given.LoadFile("sleeper.table.statestore.classname=DynamoDBTransactionLogStateStore\nsleeper.table.gc.commit.async=false\n", "/t/table.properties");
        Assert.Equal(
            ["Warning: /t/table.properties line 1: sleeper.table.statestore.classname has no effect in this implementation; ignored.",
             "Warning: /t/table.properties line 2: sleeper.table.gc.commit.async has no effect in this implementation; ignored."],
            given.Warnings);
        Assert.Empty(given.Properties.SetValues);
    }

    [Fact]
    public void The_splits_file_is_relative_to_the_properties_file_and_the_name_must_match()
    {
        var given = new TableCreationProperties();
        given.LoadFile("sleeper.table.name=events\nsleeper.table.splits.file=splits.txt\nsleeper.table.parquet.compression.codec=gzip\n", "/t/conf/table.properties");
        Assert.Equal(Path.GetFullPath("/t/conf/splits.txt"), given.SplitsFile);
        Assert.Equal("gzip", given.Properties.Get(TableProperty.CompressionCodec));
        given.CheckTableName("events");
        var e = Assert.Throws<PropertyException>(() => given.CheckTableName("other"));
        Assert.Contains("/t/conf/table.properties line 1", e.Message);
        Assert.Equal("/t/conf/splits.txt", given.ChooseSplitsFile("/t/conf/splits.txt"));
        Assert.Throws<PropertyException>(() => given.ChooseSplitsFile("/elsewhere/splits.txt"));
    }

    [Fact]
    public void A_misspelt_name_is_an_error_suggesting_the_closest_Sleeper_name()
    {
        var given = new TableCreationProperties();
        var e = Assert.Throws<PropertyException>(() => given.LoadFile("\nsleeper.table.statestore.clasname=x\n", "table.properties"));
        Assert.Equal("table.properties line 2: Unknown property 'sleeper.table.statestore.clasname'. Did you mean 'sleeper.table.statestore.classname'?", e.Message);
    }
}
