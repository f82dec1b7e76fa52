using Sleeper.Core;
using Sleeper.Core.Keys;
using Sleeper.Core.Partitions;
using Sleeper.Core.Properties;
using Sleeper.Core.Query;
using Sleeper.Core.Schema;
using Sleeper.Core.Security;
using Sleeper.Core.Tables;
using Sleeper.Ingest;
using Sleeper.Ingest.Input;
using Sleeper.Instance;
using Xunit;
using Field = Sleeper.Core.Schema.Field;

namespace Sleeper.Query.Tests;

/// <summary>
/// Queries of tables with a visibility field, through the real executor on real files: no row is ever returned
/// without the authorisations its label asks for, and every row they allow is returned. Labels are random
/// expressions written from a model tree, checked against the tree, not against the parser.
/// </summary>
public sealed class VisibilityQueryTests
{
    private static readonly TableSchema Schema = new(
        [new Field("key", StringType.Instance)],
        [new Field("seq", LongType.Instance)],
        [new Field("value", StringType.Instance), new Field("vis", StringType.Instance, Nullable: true)]);

    private static readonly string[] Pool = ["A", "B", "C", "D", "a b", "x\"y", "中"];

    private static async Task<SleeperTable> CreateTableAsync(TempFolder temp, bool withVisibility = true)
    {
        var instance = await EmbeddedInstance.CreateAsync(Path.Combine(temp.Path, "instance"));
        var properties = SleeperProperties.ForTable();
        if (withVisibility)
        {
            properties.Set(TableProperty.VisibilityField.Name, "vis");
        }
        properties.Set(TableProperty.RowGroupRowsMax.Name, "16");
        return await instance.CreateTableAsync("labelled", Schema, properties, PartitionsBuilder.FromSplitPoints(Schema, ["k03", "k06"]));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task No_row_is_ever_returned_without_the_authorisations_its_label_asks_for(int seed)
    {
        var random = new Random(seed * 104729);
        using var temp = new TempFolder();
        var table = await CreateTableAsync(temp);
        // Each row's label comes from a model tree (or is null or empty, visible to all); the tree decides.
        var model = new List<(Row Row, ModelAccessExpression? Label)>();
        long seq = 0;
        for (var ingest = 0; ingest < 6; ingest++)
        {
            var rows = new List<Row>();
            for (var i = random.Next(20, 120); i > 0; i--)
            {
                var kind = random.Next(10);
                var label = kind < 8 ? ModelAccessExpression.Random(random, Pool) : null;
                var text = label?.Write(random) ?? (kind == 8 ? null : "");
                var row = new Row([$"k{random.Next(10):D2}", seq++, $"v{seq}", text]);
                rows.Add(row);
                model.Add((row, label));
            }
            if (ingest % 2 == 0)
            {
                var path = Path.Combine(temp.Path, $"rows-{ingest}.jsonl");
                ModelTable.WriteJsonLines(path, Schema, rows, random);
                await new IngestRunner(table).IngestAsync([JsonLinesInput.FromFile(path)]);
            }
            else
            {
                await new IngestRunner(table).IngestBatchesAsync([ModelTable.Batch(Schema, rows)]);
            }
        }

        var query = new QueryExecutor(table);
        long shown = 0, hidden = 0;
        for (var q = 0; q < 60; q++)
        {
            var auths = Pool.Where(_ => random.Next(3) == 0).ToList();
            var authSet = auths.ToHashSet(StringComparer.Ordinal);
            var region = q % 3 == 0 ? Region.Whole(Schema) : Region.ForFirstFieldRange(Schema, KeyRange.Of(Schema.RowKeyFields[0], $"k{random.Next(10):D2}", $"k{random.Next(10):D2}z"));
            var request = QueryRequest.ForRegions(table.Name, [region]) with { Authorisations = auths };

            var returned = new List<Row>();
            await foreach (var batch in query.RunAsync(request))
            {
                using (batch)
                {
                    returned.AddRange(Core.Batches.BatchRows.ToRows(batch, Schema));
                }
            }

            var expected = model.Where(m => ModelOrder.Contains(region, m.Row) && (m.Label is null || m.Label.Evaluate(authSet)))
                .Select(m => (long)m.Row[1]!).Order().ToList();
            var bySeq = model.ToDictionary(m => (long)m.Row[1]!);
            foreach (var row in returned)
            {
                var label = bySeq[(long)row[1]!].Label;
                Assert.True(label is null || label.Evaluate(authSet),
                    $"seed {seed} query {q}: row {row} came back to {{{string.Join(",", auths)}}}, which its label does not allow.");
            }
            Assert.Equal(expected, returned.Select(r => (long)r[1]!).Order().ToList());
            shown += returned.Count;
            hidden += model.Count(m => ModelOrder.Contains(region, m.Row)) - returned.Count;
        }
        // The labels and authorisations drawn both show and hide plenty, or the test proves little.
        Assert.True(shown > 500 && hidden > 500, $"shown {shown}, hidden {hidden}");
    }

    [Fact]
    public async Task A_query_with_no_authorisations_sees_only_rows_visible_to_all_and_projection_does_not_bypass_the_filter()
    {
        using var temp = new TempFolder();
        var table = await CreateTableAsync(temp);
        await new IngestRunner(table).IngestBatchesAsync([ModelTable.Batch(Schema,
            [new Row(["k01", 1L, "open", null]), new Row(["k01", 2L, "empty", ""]), new Row(["k02", 3L, "secret", "A"]), new Row(["k04", 4L, "both", "A&B"])])]);
        var query = new QueryExecutor(table);

        async Task<List<string>> ValuesAsync(QueryRequest request)
        {
            var values = new List<string>();
            await foreach (var batch in query.RunAsync(request))
            {
                using (batch)
                {
                    var column = (Apache.Arrow.StringArray)batch.Column(batch.Schema.GetFieldIndex("value"));
                    values.AddRange(Enumerable.Range(0, batch.Length).Select(i => column.GetString(i)));
                }
            }
            return values;
        }

        var whole = QueryRequest.ForRegions(table.Name, [Region.Whole(Schema)]);
        Assert.Equal(["open", "empty"], await ValuesAsync(whole));
        // Asking only for a value field that is not the label still filters by the label.
        Assert.Equal(["open", "empty"], await ValuesAsync(whole with { Fields = ["value"] }));
        Assert.Equal(["open", "empty"], await ValuesAsync(whole with { RequestedValueFields = ["value"] }));
        Assert.Equal(["open", "empty", "secret"], await ValuesAsync(whole with { Authorisations = ["A"] }));
        Assert.Equal(["open", "empty", "secret", "both"], await ValuesAsync(whole with { Authorisations = ["A", "B"] }));
        Assert.Equal(["secret"], await ValuesAsync(QueryRequest.ForRegions(table.Name, [Region.ForFirstFieldRange(Schema, KeyRange.Exactly(Schema.RowKeyFields[0], "k02"))]) with { Authorisations = ["A"] }));
        Assert.Empty(await ValuesAsync(QueryRequest.ForRegions(table.Name, [Region.ForFirstFieldRange(Schema, KeyRange.Exactly(Schema.RowKeyFields[0], "k02"))])));
    }

    [Fact]
    public async Task Labels_stored_before_the_table_had_a_visibility_field_hide_their_rows_when_malformed()
    {
        using var temp = new TempFolder();
        var table = await CreateTableAsync(temp, withVisibility: false);
        await new IngestRunner(table).IngestBatchesAsync([ModelTable.Batch(Schema,
            [new Row(["k01", 1L, "good", "A"]), new Row(["k02", 2L, "bad", "A&|B"]), new Row(["k03", 3L, "open", null])])]);
        table.Properties.Set(TableProperty.VisibilityField.Name, "vis");
        var query = new QueryExecutor(table);

        var seen = new List<string>();
        await foreach (var batch in query.RunAsync(QueryRequest.ForRegions(table.Name, [Region.Whole(Schema)]) with { Authorisations = ["A", "B"] }))
        {
            using (batch)
            {
                seen.AddRange(Core.Batches.BatchRows.ToRows(batch, Schema).Select(r => (string)r[2]!));
            }
        }
        Assert.Equal(["good", "open"], seen);
    }

    [Fact]
    public async Task An_ingest_with_a_malformed_label_fails_naming_the_file_row_and_field_and_commits_nothing()
    {
        using var temp = new TempFolder();
        var table = await CreateTableAsync(temp);
        var path = Path.Combine(temp.Path, "rows.jsonl");
        await File.WriteAllLinesAsync(path,
        [
            """{"key":"k01","seq":1,"value":"a","vis":"A"}""",
            """{"key":"k05","seq":2,"value":"b","vis":"(A|B)&C"}""",
            """{"key":"k07","seq":3,"value":"c","vis":"A|B&C"}""",
            """{"key":"k08","seq":4,"value":"d","vis":""}""",
        ]);

        var error = await Assert.ThrowsAsync<RowValidationException>(() => new IngestRunner(table).IngestAsync([JsonLinesInput.FromFile(path)]));

        Assert.Contains(path, error.Message);
        Assert.Contains("row 3 (row key key=k07)", error.Message);
        Assert.Contains("field 'vis'", error.Message);
        Assert.Contains("at character 4", error.Message);
        Assert.Empty(await table.StateStore.GetFileReferencesAsync());
        var batchError = await Assert.ThrowsAsync<RowValidationException>(() => new IngestRunner(table).IngestBatchesAsync(
            [ModelTable.Batch(Schema, [new Row(["k01", 1L, "a", "A"])]), ModelTable.Batch(Schema, [new Row(["k02", 2L, "b", "\"unclosed"])])]));
        Assert.Contains("row 2 (row key key=k02)", batchError.Message);
        Assert.Empty(await table.StateStore.GetFileReferencesAsync());
        // Nothing was left in the table's data folder either.
        var left = new List<string>();
        await foreach (var stored in table.Objects.ListAsync($"{table.Id}/data/"))
        {
            left.Add(stored.Name);
        }
        Assert.Empty(left);
    }
}
