using System.Text;
using Sleeper.Core;
using Sleeper.Core.Batches;
using Sleeper.Core.Partitions;
using Sleeper.Core.Properties;
using Sleeper.Core.Schema;
using Sleeper.Core.Tables;
using Sleeper.Core.Text;
using Sleeper.Ingest.Input;
using Sleeper.Instance;
using Sleeper.Parquet;
using Sleeper.TestSupport;
using Xunit;
using Field = Sleeper.Core.Schema.Field;

namespace Sleeper.Ingest.Tests;

/// <summary>
/// Seeded fuzzing of ingest: CSV, JSON-lines and Parquet files, mutated (truncated, corrupted, bytes that are
/// not UTF-8, huge lines), are each either stored whole or rejected with a SleeperException, and a rejected
/// file leaves the table exactly as it was: the same references, data files and rows.
/// </summary>
public sealed class IngestFuzzTests : IDisposable
{
    private static readonly TableSchema Schema = new(
        [new Field("key", StringType.Instance)],
        [new Field("timestamp", LongType.Instance)],
        [new Field("count", IntType.Instance), new Field("note", StringType.Instance, Nullable: true)]);

    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    private async Task<SleeperTable> TableAsync()
    {
        var instance = await EmbeddedInstance.CreateAsync(_temp.Combine("instance"));
        var properties = SleeperProperties.ForTable();
        properties.Set(TableProperty.IngestBatchRows.Name, "7");
        return await instance.CreateTableAsync("fuzz", Schema, properties, PartitionsBuilder.FromSplitPoints(Schema, ["g", "p"]));
    }

    private static IEnumerable<(string Key, long Timestamp, int Count, string? Note)> Rows(int count) =>
        Enumerable.Range(0, count).Select(i => ($"{(char)('a' + i * 7 % 26)}é{i}", 1_700_000_000_000L + i, i, i % 3 == 0 ? null : $"note, \"{i}\""));

    private async Task FuzzAsync(int seed, int iterations, byte[] valid, Func<string, IIngestInput> open, bool text)
    {
        var table = await TableAsync();
        var mutator = new Mutator(seed);
        var before = await TableSnapshot.TakeAsync(table);
        for (var i = 0; i < iterations; i++)
        {
            var bytes = mutator.Mutate(valid);
            var path = _temp.File($"input-{i}");
            await File.WriteAllBytesAsync(path, bytes);
            var what = $"seed {seed} input {i} ({Convert.ToBase64String(bytes[..Math.Min(bytes.Length, 400)])})";
            IngestResult? result = null;
            try
            {
                result = await new IngestRunner(table).IngestAsync([open(path)]);
            }
            catch (SleeperException e)
            {
                Assert.False(string.IsNullOrWhiteSpace(e.Message), what);
                Assert.Contains(path, e.Message);
            }
            catch (Exception e)
            {
                Assert.Fail($"{what}: {e.GetType().Name} escaped instead of a SleeperException: {e.Message}");
            }
            var after = await TableSnapshot.TakeAsync(table);
            if (result is null)
            {
                after.AssertSameAs(before);
                continue;
            }
            Assert.Equal(before.Rows.Count + result.RowsWritten, after.Rows.Count);
            if (text)
            {
                // Accepted text was UTF-8: nothing was stored changed into replacement characters.
                Utf8Validator.Validate(bytes, what);
            }
            before = after;
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public async Task A_mutated_json_lines_file_is_stored_whole_or_rejected_leaving_the_table_unchanged(int seed)
    {
        var valid = string.Concat(Rows(20).Select(r => System.Text.Json.JsonSerializer.Serialize(new { key = r.Key, timestamp = r.Timestamp, count = r.Count, note = r.Note }) + "\n"));
        await FuzzAsync(seed, 30, Encoding.UTF8.GetBytes(valid), JsonLinesInput.FromFile, text: true);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public async Task A_mutated_csv_file_is_stored_whole_or_rejected_leaving_the_table_unchanged(int seed)
    {
        var valid = "key,timestamp,count,note\n" + string.Concat(Rows(20).Select(r =>
            $"{r.Key},{r.Timestamp},{r.Count},{(r.Note is null ? "" : "\"" + r.Note.Replace("\"", "\"\"") + "\"")}\n"));
        await FuzzAsync(seed, 30, Encoding.UTF8.GetBytes(valid), CsvInput.FromFile, text: true);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public async Task A_truncated_or_corrupted_parquet_file_is_stored_whole_or_rejected_leaving_the_table_unchanged(int seed)
    {
        var path = _temp.File("valid.parquet");
        await using (var writer = new SortedParquetWriter(path, ParquetWriteSettings.Defaults(Schema)))
        {
            var builder = new RecordBatchBuilder(Schema);
            foreach (var r in Rows(200).OrderBy(r => r.Key, StringComparer.Ordinal))
            {
                builder.Append(new Row([r.Key, r.Timestamp, r.Count, r.Note]));
            }
            writer.Write(builder.Build());
            await writer.CommitAsync();
        }
        await FuzzAsync(seed, 25, await File.ReadAllBytesAsync(path), p => new ParquetInput(p), text: false);
    }

    [Fact]
    public async Task A_huge_line_is_stored_whole()
    {
        var table = await TableAsync();
        var note = new string('n', 4_000_000) + "é";
        var path = _temp.File("huge.jsonl");
        await File.WriteAllTextAsync(path, $"{{\"key\":\"big\",\"timestamp\":1,\"count\":1,\"note\":\"{note}\"}}\n{{\"key\":\"small\",\"timestamp\":2,\"count\":2}}\n");
        await new IngestRunner(table).IngestAsync([JsonLinesInput.FromFile(path)]);
        var rows = (await TableSnapshot.TakeAsync(table)).Rows;
        Assert.Equal(2, rows.Count);
        Assert.Equal(note, rows.Single(r => (string)r[0]! == "big")[3]);
    }
}
