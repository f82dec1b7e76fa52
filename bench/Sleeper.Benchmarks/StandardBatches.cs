using Apache.Arrow;
using Sleeper.Core.Batches;
using Sleeper.Core.Schema;
using Field = Sleeper.Core.Schema.Field;

namespace Sleeper.Benchmarks;

/// <summary>
/// Rows of the standard schema (12 random characters of key, a long timestamp, 40 characters of value), the
/// same shape the end-to-end suite uses, generated deterministically for a seed.
/// </summary>
public static class StandardBatches
{
    private const string Alphabet = "0123456789abcdefghijklmnopqrstuvwxyz";

    public static TableSchema Schema { get; } = new(
        [new Field("key", StringType.Instance)],
        [new Field("timestamp", LongType.Instance)],
        [new Field("value", StringType.Instance)]);

    public static RecordBatch Unsorted(int rows, int seed)
    {
        var random = new Random(seed);
        var builder = new RecordBatchBuilder(Schema, rows);
        Span<byte> key = stackalloc byte[12];
        Span<byte> value = stackalloc byte[40];
        var timestamp = 1_700_000_000_000L;
        for (var i = 0; i < rows; i++)
        {
            Fill(random, key);
            Fill(random, value);
            builder.AppendUtf8(0, key);
            builder.AppendInt64(1, timestamp += random.Next(1, 1000));
            builder.AppendUtf8(2, value);
            builder.EndRow();
        }
        return builder.Build();
    }

    public static RecordBatch Sorted(int rows, int seed)
    {
        using var unsorted = Unsorted(rows, seed);
        return BatchTake.Take(unsorted, BatchSorter.SortPermutation(unsorted, Schema));
    }

    /// <summary>Splits a batch into consecutive slices of at most <paramref name="rows"/> rows, each copied.</summary>
    public static List<RecordBatch> Slices(RecordBatch batch, int rows)
    {
        var slices = new List<RecordBatch>();
        for (var start = 0; start < batch.Length; start += rows)
        {
            var builder = new RecordBatchBuilder(batch.Schema, Math.Min(rows, batch.Length - start));
            builder.AppendRows(batch, start, Math.Min(rows, batch.Length - start));
            slices.Add(builder.Build());
        }
        return slices;
    }

    private static void Fill(Random random, Span<byte> span)
    {
        for (var i = 0; i < span.Length; i++)
        {
            span[i] = (byte)Alphabet[random.Next(Alphabet.Length)];
        }
    }
}
