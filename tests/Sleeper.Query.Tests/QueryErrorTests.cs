using Sleeper.Core;
using Sleeper.Core.Keys;
using Sleeper.Core.Partitions;
using Sleeper.Core.Properties;
using Sleeper.Core.Schema;
using Sleeper.Ingest;
using Sleeper.Instance;
using Xunit;
using Field = Sleeper.Core.Schema.Field;

namespace Sleeper.Query.Tests;

/// <summary>Queries the caller gets wrong fail with an error naming what is wrong.</summary>
public sealed class QueryErrorTests
{
    private static readonly TableSchema Schema = new([new Field("key", LongType.Instance)], [], [new Field("value", StringType.Instance)]);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Asking_for_a_field_the_table_does_not_have_names_the_field(bool withData)
    {
        using var temp = new TempFolder();
        var instance = await EmbeddedInstance.CreateAsync(Path.Combine(temp.Path, "instance"));
        var table = await instance.CreateTableAsync("fields", Schema, SleeperProperties.ForTable(), PartitionsBuilder.SingleRoot(Schema));
        if (withData)
        {
            await new IngestRunner(table).IngestBatchesAsync([ModelTable.Batch(Schema, [new Row([1L, "a"]), new Row([2L, "b"])])]);
        }
        var query = new QueryExecutor(table);

        var error = await Assert.ThrowsAnyAsync<SleeperException>(() => ModelTable.RunAsync(query, [Region.Whole(Schema)], ["value", "colour"]));

        Assert.Contains("'colour'", error.Message);
    }
}
