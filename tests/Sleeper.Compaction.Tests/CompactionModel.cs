using Sleeper.Core;
using Sleeper.Core.Batches;
using Sleeper.Core.Compaction;
using Sleeper.Core.Jobs;
using Sleeper.Core.Keys;
using Sleeper.Core.Schema;
using Sleeper.Core.Tables;
using Sleeper.Core.Tracking;
using Sleeper.Instance;
using Sleeper.Jobs;
using Sleeper.Query;
using Xunit;
using Field = Sleeper.Core.Schema.Field;

namespace Sleeper.Compaction.Tests;

/// <summary>
/// The plain model the compaction model tests compare a table against: every row ingested, kept in a list,
/// with an ordering of keys written independently of the production comparers.
/// </summary>
internal sealed class CompactionModel(TableSchema schema)
{
    private readonly List<Row> _rows = [];

    public TableSchema Schema { get; } = schema;

    public IReadOnlyList<Row> Rows => _rows;

    public void Add(IEnumerable<Row> rows) => _rows.AddRange(rows);

    public int CompareKeys(Row a, Row b)
    {
        for (var i = 0; i < Schema.KeyFieldCount; i++)
        {
            var c = ModelOrder.Compare(a.Values[i]!, b.Values[i]!);
            if (c != 0)
            {
                return c;
            }
        }
        return 0;
    }

    public static string Canonical(Row row) => string.Join("|", row.Values.Select(v => v switch
    {
        null => "null",
        string s => "\"" + s + "\"",
        _ => Convert.ToString(v, System.Globalization.CultureInfo.InvariantCulture),
    }));

    /// <summary>Rows with equal keys may come in any order, so they are ordered by their whole text as well: a multiset.</summary>
    public List<string> InTotalOrder(IEnumerable<Row> rows)
    {
        var sorted = rows.Select(r => (Row: r, Text: Canonical(r))).ToList();
        sorted.Sort((a, b) =>
        {
            var c = CompareKeys(a.Row, b.Row);
            return c != 0 ? c : string.CompareOrdinal(a.Text, b.Text);
        });
        return sorted.Select(r => r.Text).ToList();
    }

    public List<string> Expected(IReadOnlyList<Region> regions) => InTotalOrder(_rows.Where(r => regions.Any(g => ModelOrder.Contains(g, r))));

    /// <summary>Runs a query and checks it returns exactly the model's rows in those regions, in key order.</summary>
    public async Task AssertQueryMatchesAsync(SleeperTable table, IReadOnlyList<Region> regions, string context)
    {
        var actual = await QueryAsync(table, regions);
        for (var i = 1; i < actual.Count; i++)
        {
            Assert.True(CompareKeys(actual[i - 1], actual[i]) <= 0, $"{context}: row {i} ({actual[i]}) comes after a larger key ({actual[i - 1]}).");
        }
        var expected = Expected(regions);
        var actualText = InTotalOrder(actual);
        Assert.True(expected.Count == actualText.Count, $"{context}: expected {expected.Count} rows, got {actualText.Count}.");
        for (var i = 0; i < expected.Count; i++)
        {
            Assert.True(expected[i] == actualText[i], $"{context}: row {i} differs: expected {expected[i]}, got {actualText[i]}.");
        }
    }

    public static async Task<List<Row>> QueryAsync(SleeperTable table, IReadOnlyList<Region> regions)
    {
        var rows = new List<Row>();
        await foreach (var batch in new QueryExecutor(table).RunAsync(regions))
        {
            using (batch)
            {
                for (var i = 0; i < batch.Length; i++)
                {
                    rows.Add(BatchRows.GetRow(batch, i));
                }
            }
        }
        return rows;
    }

    /// <summary>The whole table as text, in total order: equal before and after a step that must not change it.</summary>
    public static async Task<List<string>> ContentsAsync(SleeperTable table)
    {
        var model = new CompactionModel(table.Schema);
        return model.InTotalOrder(await QueryAsync(table, [Region.Whole(table.Schema)]));
    }
}

/// <summary>Random keys and values drawn from small pools, so that keys repeat and edge values come up.</summary>
internal sealed class ModelValues(Random random)
{
    private static readonly string[] Strings = ["", "a", "aa", "ab", "b", "ba", "m", "z", "A", "Z", "0", " ", "é", "日本", "😀", "a😀", "~"];
    private static readonly int[] Ints = [int.MinValue, int.MinValue + 1, -1000, -1, 0, 1, 2, 7, 1000, int.MaxValue];
    private static readonly long[] Longs = [long.MinValue, -1, 0, 1, 3, 1L << 40, long.MaxValue];

    public Random Random { get; } = random;

    public object Primitive(PrimitiveType type) => type switch
    {
        IntType => Random.Next(3) == 0 ? Ints[Random.Next(Ints.Length)] : Random.Next(-20, 21),
        LongType => Random.Next(3) == 0 ? Longs[Random.Next(Longs.Length)] : (long)Random.Next(-20, 21),
        StringType => Random.Next(3) == 0
            ? new string(Enumerable.Range(0, Random.Next(1, 4)).Select(_ => (char)Random.Next('a', 'f')).ToArray())
            : Strings[Random.Next(Strings.Length)],
        _ => throw new ArgumentOutOfRangeException(nameof(type)),
    };

    public object? Value(Field field) => field.Nullable && Random.Next(5) == 0 ? null : Primitive(field.PrimitiveType);

    public Row Row(TableSchema schema) => new(schema.AllFields.Select(Value).ToArray());

    public KeyRange Range(Field field)
    {
        var type = field.PrimitiveType;
        var (min, minInclusive) = Random.Next(4) == 0 ? (KeyValues.MinimumOf(type), true) : (Primitive(type), Random.Next(2) == 0);
        object? max = Random.Next(4) == 0 ? null : Primitive(type);
        if (max is not null && ModelOrder.Compare(min, max) > 0)
        {
            (min, max) = (max, min);
        }
        return new KeyRange(field, min, minInclusive, max, max is not null && Random.Next(2) == 0);
    }
}

/// <summary>Compaction as an instance runs it: jobs created, tracked and queued durably, then run by a worker.</summary>
internal static class QueuedCompaction
{
    public static FileJobQueue Queue(SleeperInstance instance, int maxReceiveCount = FileJobQueue.DefaultMaxReceiveCount, TimeProvider? time = null) =>
        FileJobQueue.InInstance(instance.Root!, "compaction", maxReceiveCount, time ?? instance.Time);

    public static async Task<IReadOnlyList<CompactionJob>> CreateAndSendAsync(SleeperInstance instance, SleeperTable table, IJobQueue queue, ICompactionStrategy strategy) =>
        (await new CompactionJobDispatcher(queue, instance.CompactionTracker, instance.Time).CreateJobsAsync(table, strategy)).Jobs;

    public static CompactionWorker Worker(SleeperInstance instance, FileJobQueue queue, TimeSpan? visibilityTimeout = null, TimeProvider? time = null) =>
        new(queue, instance.CompactionTracker, (id, ct) => instance.OpenTableByIdAsync(id, ct), new CompactionTask(instance.Time), time ?? instance.Time)
        {
            VisibilityTimeout = visibilityTimeout ?? TimeSpan.FromMinutes(2),
            PollInterval = TimeSpan.FromMilliseconds(50),
        };

    public static async Task<JobStatus> StatusAsync(SleeperInstance instance, CompactionJob job) =>
        Assert.Single(JobStatus.Fold(await instance.CompactionTracker.ReadJobEventsAsync(job.TableId)), s => s.JobId == job.JobId);
}
