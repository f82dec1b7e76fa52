using Apache.Arrow;
using ParquetSharp;
using Sleeper.Core;
using Sleeper.Core.Keys;
using Sleeper.Core.Properties;
using Sleeper.Core.Schema;
using Sleeper.Core.Sketches;
using Xunit;
using Field = Sleeper.Core.Schema.Field;

namespace Sleeper.Parquet.Tests;

public class ParquetFileTests
{
    private static ParquetWriteSettings Settings(TableSchema schema, params (PropertyDefinition Property, string Value)[] overrides)
    {
        var properties = SleeperProperties.ForTable();
        foreach (var (property, value) in overrides)
        {
            properties.Set(property.Name, value);
        }
        return ParquetWriteSettings.From(schema, properties);
    }

    private static async Task<long> WriteAsync(string path, ParquetWriteSettings settings, IReadOnlyList<object?[]> rows, int batchSize)
    {
        await using var writer = new SortedParquetWriter(path, settings, new Random(1));
        foreach (var chunk in rows.Chunk(batchSize))
        {
            writer.Write(TestTables.ToBatch(settings.Schema, chunk));
        }
        return await writer.CommitAsync();
    }

    private static async Task<List<RecordBatch>> ReadAsync(IAsyncEnumerable<RecordBatch> batches)
    {
        var list = new List<RecordBatch>();
        await foreach (var batch in batches)
        {
            list.Add(batch);
        }
        return list;
    }

    private static void AssertRowsEqual(IReadOnlyList<object?[]> expected, IReadOnlyList<object?[]> actual)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (var r = 0; r < expected.Count; r++)
        {
            Assert.Equal(expected[r].Length, actual[r].Length);
            for (var c = 0; c < expected[r].Length; c++)
            {
                Assert.True(KeyValues.ValueEquals(expected[r][c], actual[r][c]),
                    $"Row {r} column {c}: expected {KeyValues.Format(expected[r][c])}, got {KeyValues.Format(actual[r][c])}.");
            }
        }
    }

    [Fact]
    public async Task Every_type_round_trips_including_nulls_empties_and_extremes()
    {
        using var folder = new TempFolder();
        var path = folder.File("all.parquet");
        var rows = TestTables.AllTypesRows(1_000);
        var written = await WriteAsync(path, Settings(TestTables.AllTypes, (TableProperty.RowGroupRowsMax, "256")), rows, 300);
        Assert.Equal(1_000, written);

        using var reader = SortedParquetReader.Open(path, TestTables.AllTypes);
        Assert.Equal(1_000, reader.RowCount);
        var read = TestTables.ToRows(await ReadAsync(reader.ReadAllAsync()));
        AssertRowsEqual(rows, read);
    }

    [Fact]
    public async Task Row_groups_hold_at_most_the_configured_rows_whatever_the_batch_sizes()
    {
        using var folder = new TempFolder();
        var settings = Settings(TestTables.Standard, (TableProperty.RowGroupRowsMax, "1000"));
        var big = folder.File("big.parquet");
        await using (var writer = new SortedParquetWriter(big, settings))
        {
            writer.Write(TestTables.StandardBatch(0, 2_500));
            await writer.CommitAsync();
        }
        using (var reader = SortedParquetReader.Open(big, TestTables.Standard))
        {
            Assert.Equal([1000L, 1000L, 500L], reader.RowGroups.Select(g => g.RowCount));
        }

        var small = folder.File("small.parquet");
        await using (var writer = new SortedParquetWriter(small, settings))
        {
            for (var start = 0; start < 2_100; start += 300)
            {
                writer.Write(TestTables.StandardBatch(start, 300));
            }
            await writer.CommitAsync();
        }
        using (var reader = SortedParquetReader.Open(small, TestTables.Standard))
        {
            Assert.Equal([1000L, 1000L, 100L], reader.RowGroups.Select(g => g.RowCount));
            var keys = TestTables.ToRows(await ReadAsync(reader.ReadAllAsync(["key"]))).Select(r => (string)r[0]!).ToList();
            Assert.Equal(Enumerable.Range(0, 2_100).Select(i => $"key-{i:D8}"), keys);
        }
    }

    [Fact]
    public async Task Key_statistics_of_each_row_group_are_decoded_to_key_values()
    {
        using var folder = new TempFolder();
        var path = folder.File("stats.parquet");
        var rows = TestTables.AllTypesRows(1_000, seed: 5);
        await WriteAsync(path, Settings(TestTables.AllTypes, (TableProperty.RowGroupRowsMax, "300")), rows, 1_000);

        using var reader = SortedParquetReader.Open(path, TestTables.AllTypes);
        Assert.Equal(4, reader.RowGroups.Count);
        for (var g = 0; g < reader.RowGroups.Count; g++)
        {
            var group = reader.RowGroups[g];
            var groupRows = rows.Skip(300 * g).Take(300).ToList();
            Assert.Equal(groupRows.Count, group.RowCount);
            Assert.Equal(TestTables.AllTypes.KeyFieldCount, group.KeyStatistics.Count);
            for (var f = 0; f < TestTables.AllTypes.KeyFieldCount; f++)
            {
                var field = TestTables.AllTypes.AllFields[f];
                var values = groupRows.Select(r => r[f]!).Order(Comparer<object>.Create((a, b) => KeyValues.Compare(field.PrimitiveType, a, b))).ToList();
                var stats = group.KeyStatistics[f];
                Assert.Equal(field, stats.Field);
                Assert.True(KeyValues.ValueEquals(values[0], stats.Min), $"{field.Name} min in row group {g}: {KeyValues.Format(stats.Min)} not {KeyValues.Format(values[0])}");
                Assert.True(KeyValues.ValueEquals(values[^1], stats.Max), $"{field.Name} max in row group {g}: {KeyValues.Format(stats.Max)} not {KeyValues.Format(values[^1])}");
            }
        }
    }

    [Fact]
    public async Task The_footer_records_sorting_columns_zstd_creator_and_page_index()
    {
        using var folder = new TempFolder();
        var path = folder.File("meta.parquet");
        await WriteAsync(path, Settings(TestTables.AllTypes, (TableProperty.RowGroupRowsMax, "400")), TestTables.AllTypesRows(1_000), 1_000);

        using (var file = new ParquetFileReader(path))
        {
            using var metadata = file.FileMetaData;
            Assert.StartsWith("sleeper-dotnet", metadata.CreatedBy);
            for (var g = 0; g < metadata.NumRowGroups; g++)
            {
                using var rowGroup = file.RowGroup(g);
                var sorting = rowGroup.MetaData.SortingColumns();
                Assert.Equal([0, 1, 2, 3], sorting.Select(s => s.ColumnIndex));
                Assert.All(sorting, s => Assert.False(s.IsDescending));
                for (var c = 0; c < rowGroup.MetaData.NumColumns; c++)
                {
                    using var chunk = rowGroup.MetaData.GetColumnChunkMetaData(c);
                    Assert.Equal(Compression.Zstd, chunk.Compression);
                }
                for (var c = 0; c < 4; c++)
                {
                    using var chunk = rowGroup.MetaData.GetColumnChunkMetaData(c);
                    Assert.True(chunk.IsStatsSet, $"Key column {c} has no statistics.");
                }
            }
        }

        // Field 4 of FileMetaData is the row groups; field 1 of a row group its column chunks, whose
        // fields 4 and 6 are the offsets of the offset index and column index (the page index).
        var footer = ThriftFooter.Read(path);
        var rowGroups = (List<object>)footer[4];
        Assert.Equal(3, rowGroups.Count);
        foreach (Dictionary<short, object> rowGroup in rowGroups)
        {
            foreach (Dictionary<short, object> chunk in (List<object>)rowGroup[1])
            {
                Assert.True(chunk.ContainsKey(4), "A column chunk has no offset index.");
                Assert.True(chunk.ContainsKey(6), "A column chunk has no column index.");
            }
        }
    }

    [Fact]
    public async Task Codec_and_dictionary_encoding_follow_the_table_properties()
    {
        using var folder = new TempFolder();
        var path = folder.File("snappy.parquet");
        var settings = Settings(TestTables.Standard, (TableProperty.CompressionCodec, "snappy"), (TableProperty.DictionaryEncodingRowKeys, "true"));
        await using (var writer = new SortedParquetWriter(path, settings))
        {
            writer.Write(TestTables.StandardBatch(0, 1_000));
            await writer.CommitAsync();
        }
        using var file = new ParquetFileReader(path);
        using var rowGroup = file.RowGroup(0);
        using var key = rowGroup.MetaData.GetColumnChunkMetaData(0);
        using var value = rowGroup.MetaData.GetColumnChunkMetaData(2);
        Assert.Equal(Compression.Snappy, key.Compression);
        Assert.Contains(key.Encodings, e => e is Encoding.RleDictionary or Encoding.PlainDictionary);
        Assert.DoesNotContain(value.Encodings, e => e is Encoding.RleDictionary or Encoding.PlainDictionary);
    }

    [Fact]
    public async Task Chosen_row_groups_and_columns_are_read_in_schema_order()
    {
        using var folder = new TempFolder();
        var path = folder.File("projection.parquet");
        var rows = TestTables.AllTypesRows(1_000);
        await WriteAsync(path, Settings(TestTables.AllTypes, (TableProperty.RowGroupRowsMax, "250")), rows, 1_000);

        using var reader = SortedParquetReader.Open(path, TestTables.AllTypes);
        var batches = await ReadAsync(reader.ReadRowGroupsAsync([3, 1], ["counts", "key", "ts"]));
        Assert.All(batches, b => Assert.Equal(["key", "ts", "counts"], b.Schema.FieldsList.Select(f => f.Name)));
        var expected = rows.Skip(750).Take(250).Concat(rows.Skip(250).Take(250)).Select(r => new[] { r[0], r[2], r[10] }).ToList();
        AssertRowsEqual(expected, TestTables.ToRows(batches));

        Assert.Throws<SleeperException>(() => reader.ReadRowGroupsAsync([4]).GetAsyncEnumerator().MoveNextAsync().AsTask().GetAwaiter().GetResult());
        var e = await Assert.ThrowsAsync<SleeperException>(async () => await ReadAsync(reader.ReadAllAsync(["nope"])));
        Assert.Contains("'nope'", e.Message);
    }

    [Fact]
    public async Task A_file_of_another_schema_is_rejected_naming_the_file_and_field()
    {
        using var folder = new TempFolder();
        var path = folder.File("standard.parquet");
        await using (var writer = new SortedParquetWriter(path, Settings(TestTables.Standard)))
        {
            writer.Write(TestTables.StandardBatch(0, 10));
            await writer.CommitAsync();
        }
        var wrongType = new TableSchema([new Field("key", StringType.Instance)], [new Field("timestamp", IntType.Instance)], [new Field("value", StringType.Instance)]);
        var e = Assert.Throws<SleeperException>(() => SortedParquetReader.Open(path, wrongType));
        Assert.Contains(path, e.Message);
        Assert.Contains("'timestamp'", e.Message);

        var missing = new TableSchema([new Field("key", StringType.Instance)], valueFields: [new Field("extra", new ListType(LongType.Instance))]);
        e = Assert.Throws<SleeperException>(() => SortedParquetReader.Open(path, missing));
        Assert.Contains(path, e.Message);
        Assert.Contains("'extra'", e.Message);

        // Columns the schema does not name are ignored.
        var fewer = new TableSchema([new Field("key", StringType.Instance)], valueFields: [new Field("value", StringType.Instance)]);
        using var reader = SortedParquetReader.Open(path, fewer);
        var rows = TestTables.ToRows(await ReadAsync(reader.ReadAllAsync()));
        Assert.Equal(10, rows.Count);
        Assert.Equal(2, rows[0].Length);
    }

    [Fact]
    public void A_file_that_is_not_parquet_or_is_missing_gives_an_error_naming_it()
    {
        using var folder = new TempFolder();
        var path = folder.File("junk.parquet");
        File.WriteAllText(path, "this is not a parquet file at all, just some text");
        var e = Assert.Throws<SleeperException>(() => SortedParquetReader.Open(path, TestTables.Standard));
        Assert.Contains(path, e.Message);
        File.WriteAllBytes(path, []);
        e = Assert.Throws<SleeperException>(() => SortedParquetReader.Open(path, TestTables.Standard));
        Assert.Contains(path, e.Message);
        e = Assert.Throws<SleeperException>(() => SortedParquetReader.Open(folder.File("absent.parquet"), TestTables.Standard));
        Assert.Contains("absent.parquet", e.Message);
    }

    [Fact]
    public async Task Errors_from_the_parquet_library_read_cleanly_without_its_mangled_native_type_names()
    {
        using var folder = new TempFolder();
        var good = folder.File("good.parquet");
        await using (var writer = new SortedParquetWriter(good, Settings(TestTables.Standard, (TableProperty.RowGroupRowsMax, "1000")), new Random(1)))
        {
            writer.Write(TestTables.StandardBatch(0, 5000));
            await writer.CommitAsync();
        }
        var bytes = File.ReadAllBytes(good);
        var messages = new List<string>();
        async Task CollectAsync(string name, byte[] content)
        {
            var path = folder.File(name);
            File.WriteAllBytes(path, content);
            var e = await Assert.ThrowsAnyAsync<SleeperException>(async () =>
            {
                using var reader = SortedParquetReader.Open(path, TestTables.Standard);
                await ReadAsync(reader.ReadAllAsync());
            });
            Assert.Contains(name, e.Message);
            messages.Add(e.Message);
        }
        await CollectAsync("text.parquet", "this is not a parquet file at all, just some text"u8.ToArray());
        await CollectAsync("truncated.parquet", bytes[..(bytes.Length / 2)]);
        await CollectAsync("no-footer.parquet", bytes[..^8]);
        var corrupted = (byte[])bytes.Clone();
        for (var i = 4; i < bytes.Length / 2; i += 7)
        {
            corrupted[i] ^= 0x5A;
        }
        await CollectAsync("corrupted.parquet", corrupted);
        foreach (var message in messages)
        {
            Assert.DoesNotContain("N7parquet", message);
            Assert.DoesNotContain("\n", message);
            Assert.DoesNotContain("ExceptionE", message);
            Assert.DoesNotContain("(message: '", message);
        }
    }

    [Fact]
    public async Task Files_become_visible_only_on_commit_and_an_abandoned_write_leaves_nothing()
    {
        using var folder = new TempFolder();
        var path = folder.File("data.parquet");
        await using (var writer = new SortedParquetWriter(path, Settings(TestTables.Standard)))
        {
            writer.Write(TestTables.StandardBatch(0, 5_000));
            Assert.False(File.Exists(path));
            Assert.All(folder.Names(), n => Assert.StartsWith(".", n));
            // Disposed without commit.
        }
        Assert.Empty(folder.Names());

        await using (var writer = new SortedParquetWriter(path, Settings(TestTables.Standard)))
        {
            writer.Write(TestTables.StandardBatch(0, 5_000));
            Assert.False(File.Exists(SketchesFile.PathFor(path)));
            Assert.Equal(5_000, await writer.CommitAsync());
        }
        Assert.Equal(["data.parquet", "data.sketches"], folder.Names());

        var e = Assert.Throws<SleeperException>(() => new SortedParquetWriter(path, Settings(TestTables.Standard)));
        Assert.Contains(path, e.Message);
    }

    [Fact]
    public async Task The_sketches_file_beside_the_data_has_sane_quantiles()
    {
        using var folder = new TempFolder();
        var path = folder.File("sketched.parquet");
        await using (var writer = new SortedParquetWriter(path, Settings(TestTables.Standard), new Random(3)))
        {
            for (var start = 0; start < 200_000; start += 50_000)
            {
                writer.Write(TestTables.StandardBatch(start, 50_000));
            }
            await writer.CommitAsync();
        }
        var sketches = await SketchesFile.ReadAsync(SketchesFile.PathFor(path), TestTables.Standard);
        Assert.Equal(200_000, sketches.RowCount);
        var key = (KeyFieldSketch<string>)sketches["key"];
        Assert.Equal("key-00000000", key.Sketch.MinItem);
        Assert.Equal("key-00199999", key.Sketch.MaxItem);
        var median = int.Parse(key.Sketch.GetQuantile(0.5)[4..], System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(median, 99_000, 101_000);

        var e = await Assert.ThrowsAsync<SleeperException>(() => SketchesFile.ReadAsync(path, TestTables.Standard));
        Assert.Contains(path, e.Message);
    }

    [Fact]
    public async Task A_batch_that_does_not_fit_the_schema_is_rejected_naming_the_file_and_field()
    {
        using var folder = new TempFolder();
        var path = folder.File("bad.parquet");
        await using var writer = new SortedParquetWriter(path, Settings(TestTables.AllTypes));
        var e = Assert.Throws<SleeperException>(() => writer.Write(TestTables.StandardBatch(0, 10)));
        Assert.Contains(path, e.Message);

        var rows = TestTables.AllTypesRows(10);
        var batch = TestTables.ToBatch(TestTables.AllTypes, rows);
        var renamed = new RecordBatch(
            new Schema(batch.Schema.FieldsList.Select(f => f.Name == "ts" ? new Apache.Arrow.Field("time", f.DataType, f.IsNullable) : f), null),
            batch.Arrays, batch.Length);
        e = Assert.Throws<SleeperException>(() => writer.Write(renamed));
        Assert.Contains("'ts'", e.Message);
    }
}
