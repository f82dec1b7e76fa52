using Apache.Arrow;
using Sleeper.Core.Batches;
using Sleeper.Core.Schema;
using Field = Sleeper.Core.Schema.Field;

namespace Sleeper.Cli.Demo;

/// <summary>
/// Generates rows of the standard schema (key: ~12 random characters, timestamp: long, value: ~40 characters)
/// straight into Arrow batches, deterministically for a seed.
/// </summary>
public sealed class StandardRows(int seed)
{
    public const string Alphabet = "0123456789abcdefghijklmnopqrstuvwxyz";
    private readonly Random _random = new(seed);
    private long _timestamp = 1_700_000_000_000;

    public static TableSchema Schema { get; } = new(
        [new Field("key", StringType.Instance)],
        [new Field("timestamp", LongType.Instance)],
        [new Field("value", StringType.Instance)]);

    /// <summary>Split points that cut the key space into <paramref name="parts"/> nearly equal leaves.</summary>
    public static IReadOnlyList<object> SplitPoints(int parts)
    {
        var points = new List<object>();
        var space = Alphabet.Length * Alphabet.Length;
        for (var i = 1; i < parts; i++)
        {
            var n = (int)((long)space * i / parts);
            points.Add($"{Alphabet[n / Alphabet.Length]}{Alphabet[n % Alphabet.Length]}");
        }
        return points.Distinct().ToList();
    }

    /// <summary>A batch of rows; some keys are remembered in <paramref name="sampleKeys"/> for lookups.</summary>
    public RecordBatch Next(int rows, List<string>? sampleKeys = null, int sampleEvery = 10_000)
    {
        var builder = new RecordBatchBuilder(Schema, rows);
        Span<byte> key = stackalloc byte[12];
        Span<byte> value = stackalloc byte[40];
        for (var i = 0; i < rows; i++)
        {
            Fill(key);
            Fill(value);
            builder.AppendUtf8(0, key);
            builder.AppendInt64(1, _timestamp += _random.Next(1, 1000));
            builder.AppendUtf8(2, value);
            builder.EndRow();
            if (sampleKeys is not null && i % sampleEvery == 0)
            {
                sampleKeys.Add(System.Text.Encoding.ASCII.GetString(key));
            }
        }
        return builder.Build();
    }

    private void Fill(Span<byte> span)
    {
        // One call for random bytes, then a table lookup: 252 = 7 × 36, so rejecting bytes ≥ 252 keeps it uniform.
        _random.NextBytes(span);
        for (var i = 0; i < span.Length; i++)
        {
            var b = span[i];
            while (b >= 252)
            {
                b = (byte)_random.Next(252);
            }
            span[i] = (byte)Alphabet[b % Alphabet.Length];
        }
    }
}
