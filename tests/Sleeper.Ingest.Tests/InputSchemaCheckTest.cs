using Sleeper.Core;
using Sleeper.Core.Schema;
using Sleeper.Ingest.Input;
using Xunit;
using Field = Sleeper.Core.Schema.Field;

namespace Sleeper.Ingest.Tests;

/// <summary>The up-front check of an ingest's inputs: each file's schema (and first row), not its every row.</summary>
public sealed class InputSchemaCheckTest
{
    [Fact]
    public async Task Inputs_that_fit_the_schema_pass_even_with_a_bad_row_further_in_which_the_ingest_itself_rejects()
    {
        using var table = await QueuedIngestTable.CreateAsync();
        var parquet = await table.WriteParquetAsync("good.parquet", 100);
        var csv = table.WriteCsv("good.csv", 10);
        var laterBadRow = table.WriteText("late.jsonl", File.ReadAllText(table.WriteJsonLines("first.jsonl", 3)) + """{"key":"z","timestamp":"late","count":1}""" + "\n");
        var inputs = IngestInputs.Resolve([parquet, csv, laterBadRow], null);

        InputSchemaCheck.CheckAll(inputs, QueuedIngestTable.Schema);

        var error = await Assert.ThrowsAnyAsync<SleeperException>(() => new IngestRunner(table.Table).WriteAsync(inputs));
        Assert.Contains("late.jsonl line 4", error.Message);
        Assert.Contains("'timestamp'", error.Message);
    }

    [Fact]
    public async Task The_first_input_that_does_not_fit_is_named_with_its_field()
    {
        using var table = await QueuedIngestTable.CreateAsync();
        var good = await table.WriteParquetAsync("good.parquet", 100);
        var other = await table.WriteParquetAsync("other.parquet", 5, schema: new TableSchema(
            [new Field("key", StringType.Instance)], [new Field("timestamp", IntType.Instance)], [new Field("count", IntType.Instance)]),
            row: i => [QueuedIngestTable.Key(i), i, i]);
        var csv = table.WriteText("header.csv", "key,count\nx,1\n");

        var parquetError = Assert.ThrowsAny<SleeperException>(() => InputSchemaCheck.CheckAll(IngestInputs.Resolve([good, other, csv], null), QueuedIngestTable.Schema));
        var csvError = Assert.ThrowsAny<SleeperException>(() => InputSchemaCheck.CheckAll(IngestInputs.Resolve([good, csv], null), QueuedIngestTable.Schema));

        Assert.Contains("other.parquet", parquetError.Message);
        Assert.Contains("'timestamp'", parquetError.Message);
        Assert.Contains("LongType", parquetError.Message);
        Assert.Contains("header.csv", csvError.Message);
        Assert.Contains("timestamp", csvError.Message);
    }
}
