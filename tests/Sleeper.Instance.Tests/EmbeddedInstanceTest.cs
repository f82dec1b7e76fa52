using Sleeper.Core;
using Sleeper.Core.Files;
using Sleeper.Core.Partitions;
using Sleeper.Core.Properties;
using Sleeper.Core.Schema;
using Sleeper.Core.StateStore.Transactions;
using Sleeper.Core.Storage;

namespace Sleeper.Instance.Tests;

public sealed class EmbeddedInstanceTest : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "sleeper-instance-test-" + Guid.NewGuid().ToString("N")[..8]);
    private static readonly TableSchema Schema = new([new Field("key", StringType.Instance)], [], [new Field("value", LongType.Instance)]);

    public void Dispose()
    {
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    [Fact]
    public async Task Creating_an_instance_twice_in_one_place_is_an_error()
    {
        await EmbeddedInstance.CreateAsync(_folder);
        var e = await Assert.ThrowsAsync<SleeperException>(() => EmbeddedInstance.CreateAsync(_folder));
        Assert.Contains("already a Sleeper instance", e.Message);
    }

    [Fact]
    public void Opening_a_folder_with_no_instance_says_how_to_make_one()
    {
        var e = Assert.Throws<SleeperException>(() => EmbeddedInstance.Open(_folder));
        Assert.Contains("sleeper instance create", e.Message);
    }

    [Fact]
    public async Task A_table_survives_reopening_the_instance_with_its_schema_properties_and_state()
    {
        var instance = await EmbeddedInstance.CreateAsync(_folder);
        var properties = SleeperProperties.ForTable();
        properties.Set(TableProperty.GcDelayMinutes.Name, "7");
        var table = await instance.CreateTableAsync("t", Schema, properties, PartitionsBuilder.FromSplitPoints(Schema, ["m"]));
        var leaf = (await table.StateStore.GetLeafPartitionsAsync()).First();
        await table.StateStore.CommitAsync(new AddFilesTransaction([new FileReference("f.parquet", leaf.Id, 10)]));

        var reopened = await EmbeddedInstance.Open(_folder).OpenTableAsync("t");
        Assert.Equal(Schema, reopened.Schema);
        Assert.Equal("7", reopened.Properties.Get(TableProperty.GcDelayMinutes));
        Assert.Equal(3, (await reopened.StateStore.GetAllPartitionsAsync()).Count);
        Assert.Equal(10, Assert.Single(await reopened.StateStore.GetFileReferencesAsync()).NumberOfRows);
    }

    [Fact]
    public async Task Of_two_concurrent_creators_of_one_table_name_exactly_one_wins_and_the_loser_leaves_nothing()
    {
        var instance = await EmbeddedInstance.CreateAsync(_folder);
        for (var round = 0; round < 10; round++)
        {
            var name = $"race{round}";
            var attempts = Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
            {
                try
                {
                    await EmbeddedInstance.Open(_folder).CreateTableAsync(name, Schema, SleeperProperties.ForTable(), PartitionsBuilder.SingleRoot(Schema));
                    return true;
                }
                catch (TableAlreadyExistsException)
                {
                    return false;
                }
            })).ToList();
            Assert.Equal(1, (await Task.WhenAll(attempts)).Count(won => won));
        }
        Assert.Equal(10, (await instance.ListTablesAsync()).Count);
        // One folder per table plus the index folder (and the store's hidden staging folder): losers cleaned up after themselves.
        Assert.Equal(11, Directory.GetDirectories(_folder).Count(d => !Path.GetFileName(d).StartsWith('.')));
    }

    [Fact]
    public async Task Renaming_onto_an_existing_name_is_refused_and_both_tables_stay()
    {
        var instance = await EmbeddedInstance.CreateAsync(_folder);
        await instance.CreateTableAsync("a", Schema, SleeperProperties.ForTable(), PartitionsBuilder.SingleRoot(Schema));
        await instance.CreateTableAsync("b", Schema, SleeperProperties.ForTable(), PartitionsBuilder.SingleRoot(Schema));
        await Assert.ThrowsAsync<TableAlreadyExistsException>(() => instance.RenameTableAsync("a", "b"));
        Assert.Equal(["a", "b"], (await instance.ListTablesAsync()).Select(t => t.TableName));
        Assert.NotEqual((await instance.GetTableStatusAsync("a")).TableId, (await instance.GetTableStatusAsync("b")).TableId);
    }

    [Theory]
    [InlineData("../x")]
    [InlineData("a/b")]
    [InlineData("")]
    [InlineData(".hidden")]
    public async Task Table_names_that_could_escape_the_index_are_refused(string name)
    {
        var instance = await EmbeddedInstance.CreateAsync(_folder);
        var e = await Assert.ThrowsAsync<SleeperException>(() => instance.CreateTableAsync(name, Schema, SleeperProperties.ForTable(), PartitionsBuilder.SingleRoot(Schema)));
        Assert.Contains("not a valid table name", e.Message);
    }

    [Fact]
    public async Task A_data_file_name_outside_the_instance_is_refused()
    {
        var instance = await EmbeddedInstance.CreateAsync(_folder);
        var table = await instance.CreateTableAsync("t", Schema, SleeperProperties.ForTable(), PartitionsBuilder.SingleRoot(Schema));
        var e = Assert.Throws<InvalidObjectNameException>(() => table.Objects.LocalPathOf("../../etc/passwd"));
        Assert.Contains("'..'", e.Message);
        await Assert.ThrowsAsync<InvalidObjectNameException>(() => table.Objects.OpenReadAsync($"{table.Id}/../../etc/passwd"));
        Assert.StartsWith(_folder, table.Objects.LocalPathOf(table.NewDataFileName("root")));
    }
}
