using Sleeper.Core.Compaction;
using Sleeper.Core.Keys;
using Sleeper.Core.Properties;
using Sleeper.Core.Schema;
using Sleeper.Ingest;
using Xunit.Abstractions;
using Field = Sleeper.Core.Schema.Field;

namespace Sleeper.Splitter.Tests;

/// <summary>
/// A random sequence of ingests, compactions (CompactionJobCreator and CompactionTask), splitting rounds (the real
/// PartitionSplitter, with a small threshold) and garbage collections, some compactions racing a split of their
/// partition; after every step the table's whole contents and random range queries must be exactly the rows of a
/// plain list of everything ingested, and the partition tree and file references must be sound.
/// </summary>
public sealed class SplitterModelTest(ITestOutputHelper output)
{
    public static readonly TheoryData<string, int> Cases = Build();

    private static TheoryData<string, int> Build()
    {
        var data = new TheoryData<string, int>();
        foreach (var schema in new[] { "int", "string", "long-bytes", "tenant-int" })
        {
            foreach (var seed in new[] { 1, 2, 3 })
            {
                data.Add(schema, seed);
            }
        }
        return data;
    }

    private static IReadOnlyList<Field> RowKeys(string name) => name switch
    {
        "int" => [new Field("key", IntType.Instance)],
        "string" => [new Field("key", StringType.Instance)],
        "long-bytes" => [new Field("a", LongType.Instance), new Field("b", ByteArrayType.Instance)],
        // The tenant has two values, so many leaves can only split on the id.
        "tenant-int" => [new Field("tenant", StringType.Instance), new Field("id", IntType.Instance)],
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    private static readonly string[] Strings = ["", "a", "aa", "ab", "b", "ba", "m", "z", "é", "日本", "😀", "a😀", "~", "A"];

    private static object Value(Field field, Random random) => (field.Name, field.PrimitiveType) switch
    {
        ("tenant", _) => random.Next(2) == 0 ? "north" : "south",
        (_, IntType) => random.Next(10) == 0 ? int.MinValue + random.Next(2) : random.Next(-150, 150),
        (_, LongType) => random.Next(-150, 150) * 1_000_003L,
        (_, StringType) => random.Next(2) == 0 ? Strings[random.Next(Strings.Length)]
            : new string(Enumerable.Range(0, random.Next(1, 4)).Select(_ => (char)random.Next('a', 'g')).ToArray()),
        (_, ByteArrayType) => Enumerable.Range(0, random.Next(0, 3)).Select(_ => (byte)(random.Next(4) * 85)).ToArray(),
        _ => throw new ArgumentOutOfRangeException(nameof(field)),
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Queries_match_every_row_ingested_through_random_ingests_compactions_splits_and_garbage_collections(string schemaName, int seed)
    {
        var writing = seed % 2 == 0 ? IngestRunner.OneFilePerLeaf : IngestRunner.OneReferencePerLeaf;
        using var t = await SplitterTable.CreateAsync(RowKeys(schemaName), threshold: 120, seed: seed * 7919 + schemaName.Length,
            configure: p =>
            {
                p.Set(TableProperty.IngestFileWritingStrategy.Name, writing);
                p.Set(TableProperty.CompactionFilesBatchSize.Name, "3");
                p.Set(TableProperty.SizeRatioRatio.Name, "2");
            });
        var random = t.Random;
        var context = $"{schemaName} seed {seed} ({writing})";
        var log = new List<string>();
        int splits = 0, unsplittable = 0;

        for (var step = 0; step < 30; step++)
        {
            var choice = step < 2 ? 0 : random.Next(20);
            string done;
            if (choice < 6)
            {
                var rows = Enumerable.Range(0, random.Next(20, 200)).Select(_ => t.Schema.RowKeyFields.Select(f => Value(f, random)).ToArray()).ToList();
                await t.IngestAsync(rows);
                done = $"ingested {rows.Count} rows";
            }
            else if (choice < 8)
            {
                // Rows that all share one key: their partition may become unsplittable.
                var key = t.Schema.RowKeyFields.Select(f => Value(f, random)).ToArray();
                var count = random.Next(130, 200);
                await t.IngestAsync(Enumerable.Repeat(key, count));
                done = $"ingested {count} rows of one key";
            }
            else if (choice < 12)
            {
                ICompactionStrategy strategy = random.Next(3) switch
                {
                    0 => new SizeRatioCompactionStrategy(),
                    1 => new BasicCompactionStrategy(),
                    _ => new ForcedCompactionStrategy(),
                };
                done = $"{strategy.GetType().Name} ran {await t.CompactAsync(strategy)} job(s)";
            }
            else if (choice < 16)
            {
                var (s, u) = await SplitRoundAsync(t, $"{context}, step {step}");
                splits += s;
                unsplittable += u;
                done = $"split {s} partition(s), {u} unsplittable";
            }
            else if (choice < 18)
            {
                done = $"GC deleted {await t.GcAsync()} file(s)";
            }
            else
            {
                // A race: jobs hold the leaves' files while the same leaves split; then the jobs commit.
                var jobs = await t.CreateCompactionJobsAsync();
                var (s, u) = await SplitRoundAsync(t, $"{context}, step {step}");
                splits += s;
                unsplittable += u;
                await t.RunAsync(jobs);
                done = $"{jobs.Count} job(s) created, {s} partition(s) split, then the jobs ran";
            }
            log.Add(done);
            var at = $"{context}, after step {step} ({done})";
            await t.AssertStateIsSoundAsync(at);
            await AssertQueriesMatchAsync(t, at);
        }

        // Compacting everything lets every leaf over the threshold split, however the steps fell.
        for (var round = 0; round < 3; round++)
        {
            await t.CompactAsync(new ForcedCompactionStrategy());
            var (s, u) = await SplitRoundAsync(t, $"{context}, final round {round}");
            splits += s;
            unsplittable += u;
        }
        await t.GcAsync();
        await t.AssertStateIsSoundAsync($"{context}, at the end");
        await AssertQueriesMatchAsync(t, $"{context}, at the end");
        var leaves = (await t.Table.StateStore.GetLeafPartitionsAsync()).Count;
        output.WriteLine($"{context}: {t.Model.Rows.Count} rows, {leaves} leaves, {splits} splits, {unsplittable} found unsplittable; {string.Join("; ", log)}");
        Assert.True(splits > 0, $"{context}: nothing was ever split.");
    }

    /// <summary>
    /// Runs a splitting round and checks what it did: each split made two leaves of the old one, each partition
    /// found unsplittable really holds one key in the files judged, and a second round at once does nothing (a
    /// new child has no files of its own yet, and an unsplittable leaf is not tried again while its files stay).
    /// </summary>
    private static async Task<(int Splits, int Unsplittable)> SplitRoundAsync(SplitterTable t, string context)
    {
        var before = await t.Table.StateStore.GetStateAsync();
        var round = await t.Splitter().RunRoundAsync();
        var after = await t.Table.StateStore.GetStateAsync();
        foreach (var split in round.Splits)
        {
            var parent = after.Partitions[split.PartitionId];
            Assert.True(before.Partitions[split.PartitionId].IsLeaf, $"{context}: split a partition that was not a leaf.");
            Assert.Equal([split.LeftChildId!, split.RightChildId!], parent.ChildIds);
            Assert.Equal(split.Choice!.Dimension, parent.Dimension);
            Assert.True(split.RowCount > round.Threshold, $"{context}: split partition {split.PartitionId} with only {split.RowCount} rows.");
        }
        foreach (var o in round.NewlyUnsplittable)
        {
            Assert.Contains("same key", o.Reason);
            Assert.True(after.Partitions[o.PartitionId].IsLeaf);
            var keys = new HashSet<string>();
            foreach (var file in o.Job.Filenames)
            {
                foreach (var row in await t.ReadFileAsync(file))
                {
                    keys.Add(string.Join("|", row.Values.Take(t.Schema.RowKeyFields.Count).Select(KeyValues.Format)));
                }
            }
            Assert.True(keys.Count == 1, $"{context}: partition {o.PartitionId} was found unsplittable but its files hold keys {string.Join(", ", keys.Take(5))}.");
        }
        Assert.All(round.Outcomes, o => Assert.True(o.Kind is SplitOutcomeKind.Split or SplitOutcomeKind.Unsplittable, $"{context}: {o.Kind} with no one else at work."));
        var again = await t.Splitter().RunRoundAsync();
        Assert.True(again.Outcomes.Count == 0, $"{context}: a second round at once did {string.Join(", ", again.Outcomes.Select(o => $"{o.Kind} {o.PartitionId}"))}.");
        Assert.Equal(round.NewlyUnsplittable.Count() + round.KnownUnsplittable.Count, again.KnownUnsplittable.Count);
        return (round.Splits.Count(), round.NewlyUnsplittable.Count());
    }

    private static async Task AssertQueriesMatchAsync(SplitterTable t, string context)
    {
        await t.AssertWholeTableMatchesAsync($"{context}, whole table");
        var random = t.Random;
        var schema = t.Schema;
        for (var q = 0; q < 3; q++)
        {
            var regions = q switch
            {
                0 when t.Model.Rows.Count > 0 => [Region.ForKey(schema, new Key(t.Model.Rows[random.Next(t.Model.Rows.Count)].Values.Take(schema.RowKeyFields.Count).Select(v => v!).ToArray()))],
                1 => [Region.ForFirstFieldRange(schema, RandomRange(schema.RowKeyFields[0], random))],
                _ => new[] { new Region(schema.RowKeyFields.Select(f => RandomRange(f, random)).ToArray()) },
            };
            t.Model.AssertMatches(regions, await t.QueryAsync(regions), $"{context}, query {q}: {string.Join(" ∪ ", regions)}");
        }
    }

    private static KeyRange RandomRange(Field field, Random random)
    {
        var type = field.PrimitiveType;
        var min = random.Next(4) == 0 ? KeyValues.MinimumOf(type) : Value(field, random);
        var max = random.Next(4) == 0 ? null : Value(field, random);
        if (max is not null && ModelOrder.Compare(min, max) > 0)
        {
            (min, max) = (max, min);
        }
        return new KeyRange(field, min, random.Next(2) == 0 || ModelOrder.Compare(min, KeyValues.MinimumOf(type)) == 0, max, max is not null && random.Next(2) == 0);
    }
}
