using System.Buffers;
using System.Text;
using Sleeper.Core.Keys;
using Sleeper.Core.Partitions;
using Sleeper.Core.Properties;
using Sleeper.Core.Schema;
using Sleeper.Core.Tables;
using Sleeper.Core.Text;
using Sleeper.TestSupport;

namespace Sleeper.Core.Tests;

/// <summary>
/// Seeded fuzzing of the parsers that read what users write: the schema, properties, split points, UTF-8 text
/// and key ranges. Every input, random or a mutation of a valid one, is either accepted and means what it
/// says (it round-trips), or rejected with a SleeperException; nothing else escapes. Each seed is fixed, so a
/// failure names the seed and input that can be tried again alone.
/// </summary>
public sealed class ParserFuzzTests
{
    private const int Iterations = 1500;

    private const string ValidSchema = """
        {
          "rowKeyFields": [{"name": "key", "type": "StringType"}, {"name": "n", "type": "IntType"}],
          "sortKeyFields": [{"name": "timestamp", "type": "LongType"}],
          "valueFields": [
            {"name": "value", "type": "StringType", "nullable": true},
            {"name": "bytes", "type": "ByteArrayType"},
            {"name": "list", "type": {"ListType": {"elementType": "LongType"}}},
            {"name": "tags", "type": {"MapType": {"keyType": "StringType", "valueType": "LongType"}}, "nullable": true}
          ]
        }
        """;

    private const string ValidProperties = """
        # a comment
        sleeper.table.gc.delay.minutes=15
        sleeper.table.parquet.compression.codec=zstd
        sleeper.table.parquet.compression.level=5
        sleeper.table.filters=ageOff(timestamp,86400000)
        sleeper.table.compaction.files.batch.size=11
        sleeper.table.partition.splitting.threshold=1000000
        """;

    private static void AcceptedOrRejected(Action parse, string what)
    {
        try
        {
            parse();
        }
        catch (SleeperException e)
        {
            Assert.False(string.IsNullOrWhiteSpace(e.Message), $"{what}: an empty message");
        }
        catch (Exception e)
        {
            Assert.Fail($"{what}: {e.GetType().Name} escaped instead of a SleeperException: {e.Message}");
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void The_schema_parser_accepts_a_schema_that_round_trips_or_rejects_it_with_a_clear_error(int seed)
    {
        var mutator = new Mutator(seed);
        for (var i = 0; i < Iterations; i++)
        {
            var text = i % 10 == 0 ? Encoding.UTF8.GetString(mutator.RandomBytes(200)) : mutator.MutateText(ValidSchema);
            AcceptedOrRejected(() =>
            {
                var schema = SchemaSerDe.FromJson(text);
                Assert.Equal(schema, SchemaSerDe.FromJson(SchemaSerDe.ToJson(schema)));
            }, $"seed {seed} input {i}: {text}");
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void The_properties_parser_accepts_properties_that_round_trip_or_rejects_them_naming_the_line(int seed)
    {
        var mutator = new Mutator(seed);
        var schema = SchemaSerDe.FromJson(ValidSchema);
        for (var i = 0; i < Iterations / 3; i++)
        {
            var text = mutator.MutateText(ValidProperties);
            AcceptedOrRejected(() =>
            {
                var properties = SleeperProperties.ForTable();
                properties.Load(text, "fuzz.properties");
                var again = SleeperProperties.ForTable();
                again.Load(properties.Save(), "saved.properties");
                Assert.Equal(properties.SetValues, again.SetValues);
                TablePropertiesCheck.Validate(schema, properties);
            }, $"seed {seed} input {i}: {text}");
        }
    }

    public static readonly TheoryData<string, bool, string> SplitPointFiles = new()
    {
        { "StringType", false, "b\nd\nm\nzz\n" },
        { "StringType", true, "Yg==\nZA==\nbQ==\n" },
        { "IntType", false, "-5\n0\n12\n2000000\n" },
        { "LongType", false, "-9000000000\n1\n9000000000\n" },
        { "ByteArrayType", false, "AQ==\nAgM=\n/w==\n" },
    };

    [Theory]
    [MemberData(nameof(SplitPointFiles))]
    public void The_split_points_parser_accepts_increasing_points_that_round_trip_or_rejects_them_naming_the_line(string type, bool base64, string valid)
    {
        var schema = SchemaSerDe.FromJson($"{{\"rowKeyFields\":[{{\"name\":\"k\",\"type\":\"{type}\"}}]}}");
        var mutator = new Mutator(type.Length + (base64 ? 100 : 0));
        var field = schema.RowKeyFields[0];
        for (var i = 0; i < Iterations; i++)
        {
            var bytes = mutator.Mutate(valid);
            AcceptedOrRejected(() =>
            {
                // As the command line reads a file: strictly UTF-8 first.
                Utf8Validator.Validate(bytes, "fuzz.txt");
                var points = SplitPoints.Parse(Encoding.UTF8.GetString(bytes), schema, base64, "fuzz.txt");
                for (var p = 1; p < points.Count; p++)
                {
                    Assert.True(KeyValues.Compare(field.PrimitiveType, points[p - 1], points[p]) < 0);
                }
                var again = SplitPoints.Parse(SplitPoints.Format(points, base64), schema, base64, "again.txt");
                Assert.Equal(points.Select(KeyValues.Format), again.Select(KeyValues.Format));
                PartitionsBuilder.FromSplitPoints(schema, points);
            }, $"{type} input {i}: {Convert.ToHexString(bytes)}");
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void The_utf8_check_agrees_with_a_strict_decoder_and_finds_the_first_bad_byte_however_the_input_is_cut(int seed)
    {
        var mutator = new Mutator(seed);
        var text = Encoding.UTF8.GetBytes("plain ascii, é, €, 😀, \u0800, \U0010FFFD and a line\nbreak\n");
        for (var i = 0; i < 3000; i++)
        {
            var bytes = i % 3 == 0 ? mutator.RandomBytes(64) : mutator.Mutate(text);
            var expected = FirstInvalid(bytes);
            var validator = new Utf8Validator("fuzz");
            var error = Record.Exception(() =>
            {
                // Cut into random chunks, as reads of a stream would be.
                var at = 0;
                while (at < bytes.Length)
                {
                    var length = mutator.Random.Next(1, 6);
                    validator.Append(bytes.AsSpan(at, Math.Min(length, bytes.Length - at)));
                    at += length;
                }
                validator.Complete();
            });
            if (expected is null)
            {
                Assert.True(error is null, $"seed {seed} input {i} {Convert.ToHexString(bytes)}: rejected valid UTF-8: {error?.Message}");
            }
            else
            {
                var invalid = Assert.IsType<InvalidUtf8Exception>(error);
                Assert.True(expected == invalid.ByteOffset, $"seed {seed} input {i} {Convert.ToHexString(bytes)}: expected offset {expected}, got {invalid.ByteOffset}");
                Assert.Equal(1 + bytes.AsSpan(0, (int)expected).Count((byte)'\n'), invalid.Line);
            }
        }
    }

    private static long? FirstInvalid(byte[] bytes)
    {
        var at = 0;
        while (at < bytes.Length)
        {
            if (Rune.DecodeFromUtf8(bytes.AsSpan(at), out _, out var consumed) != OperationStatus.Done)
            {
                return at;
            }
            at += consumed;
        }
        return null;
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void A_key_range_a_user_gives_is_rejected_exactly_when_no_key_lies_in_it(int seed)
    {
        var random = new Random(seed);
        var field = new Field("k", IntType.Instance);
        for (var i = 0; i < 3000; i++)
        {
            var min = random.Next(-5, 6);
            int? max = random.Next(5) == 0 ? null : random.Next(-5, 6);
            var range = new KeyRange(field, min, random.Next(2) == 0, max, random.Next(2) == 0);
            var anyKey = Enumerable.Range(-7, 15).Any(v => range.Contains(v));
            var error = Record.Exception(() => range.RequireNonEmpty("fuzz"));
            Assert.True(anyKey == (error is null), $"seed {seed}: {range}: {(anyKey ? "holds keys" : "holds none")} but {(error is null ? "was accepted" : "was rejected: " + error.Message)}");
            if (error is not null)
            {
                Assert.IsAssignableFrom<SleeperException>(error);
                Assert.Contains("'k'", error.Message);
            }
        }
    }
}
