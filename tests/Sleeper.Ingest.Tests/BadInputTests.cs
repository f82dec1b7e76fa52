using System.Text;
using Sleeper.Core;
using Sleeper.Core.Batches;
using Sleeper.Core.Partitions;
using Sleeper.Core.Properties;
using Sleeper.Core.Schema;
using Sleeper.Core.Tables;
using Sleeper.Ingest.Input;
using Sleeper.Instance;
using Sleeper.Parquet;
using Xunit;
using Field = Sleeper.Core.Schema.Field;

namespace Sleeper.Ingest.Tests;

/// <summary>Bad input fails with an error that names what is wrong, and leaves the table exactly as it was.</summary>
public sealed class BadInputTests : IDisposable
{
    private static readonly TableSchema Schema = new(
        [new Field("key", StringType.Instance)],
        [new Field("timestamp", LongType.Instance)],
        [new Field("count", IntType.Instance), new Field("note", StringType.Instance, Nullable: true)]);

    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    private async Task<SleeperTable> TableWithSomeDataAsync(string strategy = IngestRunner.OneReferencePerLeaf)
    {
        var instance = await EmbeddedInstance.CreateAsync(Path.Combine(_temp.Path, "instance"));
        var properties = SleeperProperties.ForTable();
        properties.Set(TableProperty.IngestFileWritingStrategy.Name, strategy);
        properties.Set(TableProperty.IngestBatchRows.Name, "100");
        var table = await instance.CreateTableAsync("bad-input", Schema, properties, PartitionsBuilder.FromSplitPoints(Schema, ["g", "p"]));
        var builder = new RecordBatchBuilder(Schema);
        foreach (var key in new[] { "apple", "kiwi", "zebra" })
        {
            builder.Append(new Row([key, 1L, 1, null]));
        }
        await new IngestRunner(table).IngestBatchesAsync([builder.Build()]);
        return table;
    }

    private string WriteFile(string name, string text)
    {
        var path = Path.Combine(_temp.Path, name);
        File.WriteAllText(path, text, new UTF8Encoding(false));
        return path;
    }

    private static async Task<SleeperException> AssertFailsAndChangesNothingAsync(SleeperTable table, Func<IReadOnlyList<IIngestInput>> inputs, params string[] named)
    {
        var before = await TableSnapshot.TakeAsync(table);
        var error = await Assert.ThrowsAnyAsync<SleeperException>(() => new IngestRunner(table).IngestAsync(inputs()));
        foreach (var text in named)
        {
            Assert.Contains(text, error.Message);
        }
        (await TableSnapshot.TakeAsync(table)).AssertSameAs(before);
        return error;
    }

    private static string GoodLines(int count, int start = 0) =>
        string.Concat(Enumerable.Range(start, count).Select(i => $"{{\"key\":\"k{i % 26 + 'a':x}{i}\",\"timestamp\":{i},\"count\":{i}}}\n"));

    public static readonly TheoryData<string, string, string[]> BadJsonLines = new()
    {
        { "a missing row key", """{"timestamp":1,"count":1}""", ["'key'", "line 1"] },
        { "a null row key", """{"key":null,"timestamp":1,"count":1}""", ["'key'", "line 1"] },
        { "a missing sort key", """{"key":"a","count":1}""", ["'timestamp'"] },
        { "a missing non-nullable value", """{"key":"a","timestamp":1}""", ["'count'"] },
        { "a string for a long", """{"key":"a","timestamp":"12","count":1}""", ["'timestamp'", "LongType"] },
        { "a number too large for an int", """{"key":"a","timestamp":1,"count":3000000000}""", ["'count'", "IntType"] },
        { "a fraction for an int", """{"key":"a","timestamp":1,"count":1.5}""", ["'count'"] },
        { "a number for a string", """{"key":7,"timestamp":1,"count":1}""", ["'key'"] },
        { "an unknown field", """{"key":"a","timestamp":1,"count":1,"colour":"red"}""", ["'colour'"] },
        { "a line that is not JSON", """{"key":"a",""", ["line 1", "JSON"] },
        { "a line that is an array", """["a",1,1]""", ["line 1"] },
        { "a field given twice", """{"key":"a","timestamp":1,"count":1,"key":"b"}""", ["'key'", "line 1", "twice"] },
        { "a value field given twice", """{"key":"a","timestamp":1,"count":1,"count":2}""", ["'count'", "line 1", "twice"] },
        { "a field given twice with a null", """{"key":"a","timestamp":1,"count":1,"note":"x","note":null}""", ["'note'", "line 1", "twice"] },
    };

    [Theory]
    [MemberData(nameof(BadJsonLines))]
    public async Task A_bad_json_line_is_rejected_naming_the_field_and_line(string what, string line, string[] named)
    {
        var table = await TableWithSomeDataAsync();
        var path = WriteFile("bad.jsonl", line + "\n");
        var error = await AssertFailsAndChangesNothingAsync(table, () => [JsonLinesInput.FromFile(path)], [.. named, "bad.jsonl"]);
        Assert.IsType<RowValidationException>(error);
        Assert.NotEmpty(what);
    }

    public static readonly TheoryData<string, string, string[]> BadCsv = new()
    {
        { "a header without a field", "key,timestamp\na,1\n", ["count", "note"] },
        { "an unknown column", "key,timestamp,count,note,colour\na,1,1,,red\n", ["'colour'"] },
        { "a column twice", "key,timestamp,count,note,key\na,1,1,,a\n", ["'key'", "twice"] },
        { "a word for a long", "key,timestamp,count,note\na,1,1,\nb,soon,1,\n", ["'timestamp'", "line 3", "soon"] },
        { "a number too large for an int", "key,timestamp,count,note\na,1,99999999999,\n", ["'count'", "line 2"] },
        { "an empty cell for a long sort key", "key,timestamp,count,note\na,,1,\n", ["'timestamp'", "line 2"] },
        { "a short row", "key,timestamp,count,note\na,1\n", ["line 2", "cells"] },
        { "an unclosed quote", "key,timestamp,count,note\n\"a,1,1,\n", ["line 2", "quoted"] },
        { "an empty file", "", ["header"] },
    };

    [Theory]
    [MemberData(nameof(BadCsv))]
    public async Task A_bad_csv_file_is_rejected_naming_the_field_and_line(string what, string text, string[] named)
    {
        var table = await TableWithSomeDataAsync();
        var path = WriteFile("bad.csv", text);
        await AssertFailsAndChangesNothingAsync(table, () => [CsvInput.FromFile(path)], [.. named, "bad.csv"]);
        Assert.NotEmpty(what);
    }

    [Fact]
    public async Task A_parquet_file_of_another_schema_is_rejected_naming_the_field()
    {
        var table = await TableWithSomeDataAsync();
        var other = new TableSchema([new Field("key", StringType.Instance)], [new Field("timestamp", StringType.Instance)],
            [new Field("count", IntType.Instance), new Field("note", StringType.Instance, Nullable: true)]);
        var path = Path.Combine(_temp.Path, "other.parquet");
        using (var writer = new SortedParquetWriter(path, ParquetWriteSettings.Defaults(other)))
        {
            var builder = new RecordBatchBuilder(other);
            builder.Append(new Row(["a", "yesterday", 1, null]));
            writer.Write(builder.Build());
            await writer.CommitAsync();
        }
        await AssertFailsAndChangesNothingAsync(table, () => [new ParquetInput(path)], "'timestamp'", "other.parquet");
    }

    [Fact]
    public async Task A_parquet_file_missing_a_field_is_rejected_naming_the_field()
    {
        var table = await TableWithSomeDataAsync();
        var other = new TableSchema([new Field("key", StringType.Instance)], [new Field("timestamp", LongType.Instance)], [new Field("note", StringType.Instance, Nullable: true)]);
        var path = Path.Combine(_temp.Path, "fewer.parquet");
        using (var writer = new SortedParquetWriter(path, ParquetWriteSettings.Defaults(other)))
        {
            var builder = new RecordBatchBuilder(other);
            builder.Append(new Row(["a", 1L, null]));
            writer.Write(builder.Build());
            await writer.CommitAsync();
        }
        await AssertFailsAndChangesNothingAsync(table, () => [new ParquetInput(path)], "'count'", "fewer.parquet");
    }

    [Fact]
    public async Task A_file_that_is_not_parquet_is_rejected_naming_the_file()
    {
        var table = await TableWithSomeDataAsync();
        var path = WriteFile("text.parquet", "this is not a parquet file, just some words\n");
        await AssertFailsAndChangesNothingAsync(table, () => [new ParquetInput(path)], "text.parquet");
    }

    [Fact]
    public async Task A_path_that_does_not_exist_is_rejected_naming_the_path()
    {
        var table = await TableWithSomeDataAsync();
        var missing = Path.Combine(_temp.Path, "nowhere", "rows.jsonl");
        await AssertFailsAndChangesNothingAsync(table, () => IngestInputs.Resolve([missing], null), missing);
        var missingParquet = Path.Combine(_temp.Path, "missing.parquet");
        await AssertFailsAndChangesNothingAsync(table, () => [new ParquetInput(missingParquet)], "missing.parquet");
    }

    [Theory]
    [InlineData(IngestRunner.OneReferencePerLeaf)]
    [InlineData(IngestRunner.OneFilePerLeaf)]
    public async Task A_bad_row_after_many_good_ones_deletes_the_files_already_written_and_commits_nothing(string strategy)
    {
        var table = await TableWithSomeDataAsync(strategy);
        var path = WriteFile("late.jsonl", GoodLines(1000) + """{"key":"oops","timestamp":"late","count":1}""" + "\n" + GoodLines(10, 1000));
        var written = new List<long>();
        var before = await TableSnapshot.TakeAsync(table);
        var error = await Assert.ThrowsAsync<RowValidationException>(() =>
            new IngestRunner(table).IngestAsync([JsonLinesInput.FromFile(path)], new SynchronousProgress(written.Add)));
        Assert.Contains("line 1001", error.Message);
        Assert.Contains("'timestamp'", error.Message);
        // Files were really written before the bad row was reached.
        Assert.Equal(1000, written.Last());
        var after = await TableSnapshot.TakeAsync(table);
        Assert.Equal(before.References, after.References);
        Assert.Equal(before.DataFiles, after.DataFiles);
        Assert.Empty(Directory.EnumerateFiles(table.LocalFolder(), "*.tmp*", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task A_bad_file_after_a_good_file_in_the_same_ingest_commits_nothing()
    {
        var table = await TableWithSomeDataAsync();
        var good = WriteFile("good.jsonl", GoodLines(350));
        var bad = WriteFile("bad.csv", "key,timestamp,count,note\na,1,1,\nb,2,two,\n");
        var error = await AssertFailsAndChangesNothingAsync(table, () => [JsonLinesInput.FromFile(good), CsvInput.FromFile(bad)], "'count'", "bad.csv", "line 3");
        Assert.IsType<RowValidationException>(error);
    }

    private string WriteBytes(string name, params byte[][] parts)
    {
        var path = Path.Combine(_temp.Path, name);
        File.WriteAllBytes(path, parts.SelectMany(p => p).ToArray());
        return path;
    }

    private static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    public static readonly TheoryData<string, byte[]> InvalidUtf8 = new()
    {
        { "a stray continuation byte", [0x80] },
        { "a byte that never starts a character", [0xFF] },
        { "a two-byte character cut short", [0xC3, (byte)'x'] },
        { "an overlong encoding of '/'", [0xC0, 0xAF] },
        { "an encoded surrogate", [0xED, 0xA0, 0x80] },
        { "a code point above U+10FFFF", [0xF4, 0x90, 0x80, 0x80] },
    };

    [Theory]
    [MemberData(nameof(InvalidUtf8))]
    public async Task Invalid_utf8_in_a_json_lines_key_is_rejected_naming_the_file_line_and_byte_offset(string what, byte[] bad)
    {
        var table = await TableWithSomeDataAsync();
        var first = Utf8("""{"key":"café","timestamp":1,"count":1}""" + "\n");
        var path = WriteBytes("bad-utf8.jsonl", first, Utf8("{\"key\":\"b"), bad, Utf8("\",\"timestamp\":2,\"count\":2}\n"));
        var error = await AssertFailsAndChangesNothingAsync(table, () => [JsonLinesInput.FromFile(path)], "bad-utf8.jsonl", "line 2", $"byte offset {first.Length + 9}", "UTF-8");
        Assert.IsType<InvalidUtf8Exception>(error);
        Assert.NotEmpty(what);
    }

    [Theory]
    [MemberData(nameof(InvalidUtf8))]
    public async Task Invalid_utf8_in_a_csv_cell_is_rejected_naming_the_file_line_and_byte_offset(string what, byte[] bad)
    {
        var table = await TableWithSomeDataAsync();
        var head = Utf8("key,timestamp,count,note\na,1,1,ok\n");
        var path = WriteBytes("bad-utf8.csv", head, Utf8("b,2,2,n"), bad, Utf8("te\n"));
        var error = await AssertFailsAndChangesNothingAsync(table, () => [CsvInput.FromFile(path)], "bad-utf8.csv", "line 3", $"byte offset {head.Length + 7}");
        Assert.IsType<InvalidUtf8Exception>(error);
        Assert.NotEmpty(what);
    }

    [Fact]
    public async Task A_text_file_cut_off_in_the_middle_of_a_character_is_rejected()
    {
        var table = await TableWithSomeDataAsync();
        var text = Utf8("key,timestamp,count,note\na,1,1,caf");
        var path = WriteBytes("cut.csv", text, [0xC3]);
        await AssertFailsAndChangesNothingAsync(table, () => [CsvInput.FromFile(path)], "cut.csv", "line 2", $"byte offset {text.Length}");
    }

    [Fact]
    public async Task Invalid_utf8_far_into_a_large_file_is_found_at_its_exact_line_and_offset()
    {
        var table = await TableWithSomeDataAsync();
        // Characters of two, three and four bytes, so that read buffers end in the middle of some of them.
        var good = Utf8(string.Concat(Enumerable.Range(0, 5000).Select(i => $"{{\"key\":\"é€😀{i}\",\"timestamp\":{i},\"count\":1}}\n")));
        var path = WriteBytes("large.jsonl", good, Utf8("{\"key\":\"x"), [0xFE], Utf8("\",\"timestamp\":1,\"count\":1}\n"));
        await AssertFailsAndChangesNothingAsync(table, () => [JsonLinesInput.FromFile(path)], "line 5001", $"byte offset {good.Length + 9}");
    }

    [Fact]
    public async Task Valid_utf8_of_every_width_is_stored_unchanged_wherever_read_buffers_split_it()
    {
        var table = await TableWithSomeDataAsync();
        var keys = Enumerable.Range(0, 20000).Select(i => $"k{i:D5}-é€😀ü\u0800\U0010FFFD").ToList();
        var path = WriteFile("wide.jsonl", string.Concat(keys.Select(k => $"{{\"key\":\"{k}\",\"timestamp\":1,\"count\":1}}\n")));
        await new IngestRunner(table).IngestAsync([JsonLinesInput.FromFile(path)]);
        var stored = await TableSnapshot.TakeAsync(table);
        Assert.Equal(20000 + 3, stored.Rows.Count);
        Assert.Subset(stored.Rows.Select(r => (string)r[0]!).ToHashSet(), keys.ToHashSet());
    }

    [Fact]
    public async Task A_utf16_file_is_rejected_rather_than_read_as_another_encoding()
    {
        var table = await TableWithSomeDataAsync();
        var path = Path.Combine(_temp.Path, "utf16.jsonl");
        File.WriteAllText(path, """{"key":"a","timestamp":1,"count":1}""" + "\n", Encoding.Unicode);
        await AssertFailsAndChangesNothingAsync(table, () => [JsonLinesInput.FromFile(path)], "utf16.jsonl", "line 1", "byte offset 0");
    }

    [Fact]
    public async Task Nulls_in_a_parquet_key_column_are_rejected_naming_the_field()
    {
        var table = await TableWithSomeDataAsync();
        var path = Path.Combine(_temp.Path, "nulls.parquet");
        // A file written by another tool may declare its key column nullable and hold nulls in it.
        var arrow = new Apache.Arrow.Schema(
        [
            new Apache.Arrow.Field("key", Apache.Arrow.Types.StringType.Default, true),
            new Apache.Arrow.Field("timestamp", Apache.Arrow.Types.Int64Type.Default, false),
            new Apache.Arrow.Field("count", Apache.Arrow.Types.Int32Type.Default, false),
            new Apache.Arrow.Field("note", Apache.Arrow.Types.StringType.Default, true),
        ], null);
        var builder = new RecordBatchBuilder(arrow);
        builder.Append(new Row(["a", 1L, 1, null]));
        builder.Append(new Row([null, 2L, 2, null]));
        using (var batch = builder.Build())
        using (var writer = new ParquetSharp.Arrow.FileWriter(path, arrow))
        {
            writer.WriteRecordBatch(batch);
            writer.Close();
        }
        await AssertFailsAndChangesNothingAsync(table, () => [new ParquetInput(path)], "'key'", "nulls.parquet");
    }

    [Fact]
    public async Task A_cancelled_ingest_deletes_the_files_it_wrote_and_commits_nothing()
    {
        var table = await TableWithSomeDataAsync(IngestRunner.OneFilePerLeaf);
        var path = WriteFile("many.jsonl", GoodLines(1000));
        var before = await TableSnapshot.TakeAsync(table);
        using var cancel = new CancellationTokenSource();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => new IngestRunner(table).IngestAsync(
            [JsonLinesInput.FromFile(path)], new SynchronousProgress(rows => { if (rows >= 300) { cancel.Cancel(); } }), cancel.Token));

        var after = await TableSnapshot.TakeAsync(table);
        Assert.Equal(before.References, after.References);
        Assert.Equal(before.DataFiles, after.DataFiles);
    }

    private sealed class SynchronousProgress(Action<long> report) : IProgress<long>
    {
        public void Report(long value) => report(value);
    }
}
