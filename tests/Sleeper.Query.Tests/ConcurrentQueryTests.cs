using System.Globalization;
using Sleeper.Compaction;
using Sleeper.Core;
using Sleeper.Core.Compaction;
using Sleeper.Core.Keys;
using Sleeper.Core.Partitions;
using Sleeper.Core.Properties;
using Sleeper.Core.Query;
using Sleeper.Core.Schema;
using Sleeper.Core.Tables;
using Sleeper.GarbageCollector;
using Sleeper.Ingest;
using Sleeper.Instance;
using Sleeper.Parquet;
using Sleeper.Splitter;
using Xunit;
using Field = Sleeper.Core.Schema.Field;

namespace Sleeper.Query.Tests;

/// <summary>
/// One executor shared by many threads, on files of several pages per row group (so exact keys and narrow ranges
/// are read page by page and wide ones whole), against a sorted list; the state cache; and queries racing
/// compaction, splitting and garbage collection.
/// </summary>
public sealed class ConcurrentQueryTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private static readonly TableSchema Schema = new(
        [new Field("key", LongType.Instance)],
        [new Field("sort", IntType.Instance)],
        [new Field("value", StringType.Instance), new Field("maybe", IntType.Instance, Nullable: true)]);

    private static Row RowOf(long key, int sort) =>
        new([key, sort, $"value-{key}-{sort}-{new string('x', (int)Math.Abs(key % 17))}", key % 5 == 0 ? null : (int)Math.Abs(key % 1000)]);

    /// <summary>A table of 4 leaves, each with <paramref name="files"/> files of row groups of several small pages.</summary>
    private static async Task<(SleeperTable Table, SleeperInstance Instance, List<Row> Rows)> TableAsync(string folder, int files, int rowsPerFile, int seed, string? gcDelay = null)
    {
        var instance = await EmbeddedInstance.CreateAsync(Path.Combine(folder, "instance"));
        var properties = SleeperProperties.ForTable();
        properties.Set(TableProperty.IngestFileWritingStrategy.Name, IngestRunner.OneFilePerLeaf);
        properties.Set(TableProperty.RowGroupRowsMax.Name, "3000");
        properties.Set(TableProperty.PageSize.Name, "4096");
        if (gcDelay is not null)
        {
            properties.Set(TableProperty.GcDelayMinutes.Name, gcDelay);
        }
        var table = await instance.CreateTableAsync("concurrent", Schema, properties, PartitionsBuilder.FromSplitPoints(Schema, [5000L, 10000L, 15000L]));
        var random = new Random(seed);
        var rows = new List<Row>();
        for (var f = 0; f < files; f++)
        {
            var batch = Enumerable.Range(0, rowsPerFile).Select(_ => RowOf(random.NextInt64(0, 20000), random.Next(3))).ToList();
            rows.AddRange(batch);
            await new IngestRunner(table).IngestBatchesAsync([ModelTable.Batch(Schema, batch)]);
        }
        return (table, instance, rows);
    }

    private static Region RandomRegion(Random random, List<Row> rows)
    {
        var field = Schema.RowKeyFields[0];
        switch (random.Next(5))
        {
            case 0:
            case 1:
                // A key that is there.
                return Region.ForKey(Schema, Key.Of((long)rows[random.Next(rows.Count)].Values[0]!));
            case 2:
                // A key that may not be.
                return Region.ForKey(Schema, Key.Of(random.NextInt64(-5, 20005)));
            case 3:
                var min = random.NextInt64(0, 20000);
                return new Region([new KeyRange(field, min, random.Next(2) == 0, min + random.Next(1, 60), random.Next(2) == 0)]);
            default:
                var low = random.NextInt64(0, 20000);
                return new Region([new KeyRange(field, low, true, random.Next(4) == 0 ? null : low + random.Next(1, 8000), false)]);
        }
    }

    private static List<string> Model(List<Row> rows, IReadOnlyList<Region> regions, IReadOnlyList<string>? fields)
    {
        var indexes = fields?.Select(Schema.IndexOf).ToArray();
        return rows.Where(r => regions.Any(g => g.Contains(Key.Of(r.Values[0]!))))
            .Select(r => indexes is null ? r : new Row(indexes.Select(i => r.Values[i]).ToArray()))
            .Select(ModelValues.Canonical).Order(StringComparer.Ordinal).ToList();
    }

    private static async Task<List<Row>> RunAsync(QueryExecutor query, IReadOnlyList<Region> regions, IReadOnlyList<string>? fields, QueryStatistics? statistics = null)
    {
        var rows = new List<Row>();
        await foreach (var batch in query.RunAsync(QueryRequest.ForRegions("concurrent", regions, fields), statistics))
        {
            using (batch)
            {
                for (var i = 0; i < batch.Length; i++)
                {
                    rows.Add(Sleeper.Core.Batches.BatchRows.GetRow(batch, i));
                }
            }
        }
        return rows;
    }

    private static void AssertKeyOrder(List<Row> rows)
    {
        for (var i = 1; i < rows.Count; i++)
        {
            Assert.True((long)rows[i - 1].Values[0]! <= (long)rows[i].Values[0]!, $"Row {i} is out of key order.");
        }
    }

    [Fact]
    public async Task Concurrent_queries_from_many_threads_on_one_executor_agree_with_a_sorted_list()
    {
        using var temp = new TempFolder();
        var (table, _, rows) = await TableAsync(temp.Path, files: 3, rowsPerFile: 12000, seed: 5);
        var query = new QueryExecutor(table) { Pages = new ParquetPageCache(4L * 1024 * 1024) };
        string[]?[] projections = [null, ["key", "sort", "maybe"], ["value", "key"]];
        var pageReads = 0;
        var failures = await Task.WhenAll(Enumerable.Range(0, 8).Select(thread => Task.Run(async () =>
        {
            var random = new Random(100 + thread);
            for (var q = 0; q < 25; q++)
            {
                var regions = Enumerable.Range(0, random.Next(1, 4)).Select(_ => RandomRegion(random, rows)).ToList();
                var fields = projections[random.Next(projections.Length)];
                var statistics = new QueryStatistics();
                var found = await RunAsync(query, regions, fields, statistics);
                Interlocked.Add(ref pageReads, statistics.PageReads);
                var expected = Model(rows, regions, fields);
                if (fields is null || fields[0] == "key")
                {
                    AssertKeyOrder(found);
                }
                var actual = found.Select(ModelValues.Canonical).Order(StringComparer.Ordinal).ToList();
                if (!expected.SequenceEqual(actual))
                {
                    return $"thread {thread} query {q}: {expected.Count} rows expected, {actual.Count} returned for {string.Join(" ", regions)}";
                }
            }
            return null;
        })));
        Assert.All(failures, f => Assert.Null(f));
        Assert.True(pageReads > 0, "No query read pages: the page path went untested.");
    }

    [Fact]
    public async Task An_exact_key_reads_pages_not_row_groups()
    {
        using var temp = new TempFolder();
        var (table, _, rows) = await TableAsync(temp.Path, files: 2, rowsPerFile: 12000, seed: 9);
        var query = new QueryExecutor(table) { Pages = new ParquetPageCache() };
        var key = (long)rows[1234].Values[0]!;
        var statistics = new QueryStatistics();
        var found = await RunAsync(query, [Region.ForKey(Schema, Key.Of(key))], null, statistics);
        Assert.Equal(Model(rows, [Region.ForKey(Schema, Key.Of(key))], null), found.Select(ModelValues.Canonical).Order(StringComparer.Ordinal));
        Assert.True(statistics.PageReads > 0);
        Assert.True(statistics.RowsScanned < 100, $"{statistics.RowsScanned} rows decoded for one key");
    }

    [Fact]
    public async Task Without_page_reads_queries_read_whole_row_groups_and_agree_with_a_sorted_list()
    {
        using var temp = new TempFolder();
        var (table, _, rows) = await TableAsync(temp.Path, files: 2, rowsPerFile: 6000, seed: 23);
        var query = new QueryExecutor(table) { Pages = null };
        var random = new Random(31);
        for (var q = 0; q < 30; q++)
        {
            var regions = Enumerable.Range(0, random.Next(1, 3)).Select(_ => RandomRegion(random, rows)).ToList();
            var statistics = new QueryStatistics();
            var found = await RunAsync(query, regions, null, statistics);
            Assert.Equal(0, statistics.PageReads);
            Assert.Equal(Model(rows, regions, null), found.Select(ModelValues.Canonical).Order(StringComparer.Ordinal));
            AssertKeyOrder(found);
        }
    }

    [Fact]
    public async Task The_state_cache_shows_a_commit_to_the_next_query()
    {
        using var temp = new TempFolder();
        var (table, instance, rows) = await TableAsync(temp.Path, files: 1, rowsPerFile: 500, seed: 3);
        var query = new QueryExecutor(table);
        var first = await table.StateStore.GetReadStateAsync();
        Assert.Same(first, await table.StateStore.GetReadStateAsync());
        Assert.Empty(await RunAsync(query, [Region.ForKey(Schema, Key.Of(-7L))], null));

        // Committed through this table's own store, then through another process's view of the same table.
        await new IngestRunner(table).IngestBatchesAsync([ModelTable.Batch(Schema, [RowOf(-7, 1)])]);
        Assert.Single(await RunAsync(query, [Region.ForKey(Schema, Key.Of(-7L))], null));
        var other = await SleeperInstance.OpenAsync(Path.Combine(temp.Path, "instance"));
        var otherTable = await other.OpenTableAsync("concurrent");
        await new IngestRunner(otherTable).IngestBatchesAsync([ModelTable.Batch(Schema, [RowOf(-7, 2)])]);
        Assert.Equal(2, (await RunAsync(query, [Region.ForKey(Schema, Key.Of(-7L))], null)).Count);
        var second = await table.StateStore.GetReadStateAsync();
        Assert.NotSame(first, second);
        Assert.Equal(first.TransactionNumber + 2, second.TransactionNumber);
        _ = instance;
    }

    [Fact]
    public async Task A_file_compacted_and_deleted_between_planning_and_reading_makes_the_query_plan_again()
    {
        using var temp = new TempFolder();
        var (table, _, rows) = await TableAsync(temp.Path, files: 3, rowsPerFile: 3000, seed: 17, gcDelay: "0");
        var before = (await table.StateStore.GetStateAsync()).Files.Keys.ToList();
        var raced = false;
        var query = new QueryExecutor(table)
        {
            AfterPlanning = async () =>
            {
                if (raced)
                {
                    return;
                }
                raced = true;
                foreach (var job in await new CompactionJobCreator(table).CreateJobsAsync(new ForcedCompactionStrategy()))
                {
                    await new CompactionTask().RunAsync(table, job);
                }
                await new GarbageCollector.GarbageCollector(table).RunAsync();
            },
        };
        var statistics = new QueryStatistics();
        var found = await RunAsync(query, [Region.Whole(Schema)], null, statistics);

        Assert.All(before, f => Assert.False(File.Exists(table.Objects.LocalPathOf(f)), $"{f} was not collected"));
        Assert.Equal(1, statistics.Replans);
        Assert.Equal(rows.Select(ModelValues.Canonical).Order(StringComparer.Ordinal), found.Select(ModelValues.Canonical).Order(StringComparer.Ordinal));
        AssertKeyOrder(found);
    }

    [Fact]
    public async Task A_query_racing_compaction_split_and_gc_returns_each_row_exactly_once()
    {
        using var temp = new TempFolder();
        var (table, instance, rows) = await TableAsync(temp.Path, files: 3, rowsPerFile: 4000, seed: 13, gcDelay: "0");
        table.Properties.Set(TableProperty.PartitionSplittingThreshold.Name, "1500");
        using var stop = new CancellationTokenSource();
        var maintenance = Task.Run(async () =>
        {
            var rounds = 0;
            var splitter = new PartitionSplitter(table, PartitionSplitter.OptionsFrom(instance.Properties));
            while (!stop.IsCancellationRequested && rounds < 12)
            {
                rounds++;
                var jobs = await new CompactionJobCreator(table).CreateJobsAsync(new ForcedCompactionStrategy());
                foreach (var job in jobs)
                {
                    await new CompactionTask().RunAsync(table, job);
                }
                await new GarbageCollector.GarbageCollector(table).RunAsync();
                await splitter.RunRoundAsync();
                // New files for the next round to compact.
                var more = Enumerable.Range(0, 300).Select(i => RowOf(-1 - i - rounds * 1000, 0)).ToList();
                await new IngestRunner(table).IngestBatchesAsync([ModelTable.Batch(Schema, more)]);
                lock (rows)
                {
                    rows.AddRange(more);
                }
            }
            return rounds;
        });
        var query = new QueryExecutor(table);
        var random = new Random(21);
        var queries = 0;
        var replans = 0;
        while (!maintenance.IsCompleted || queries < 20)
        {
            // Rows ingested meanwhile may or may not be seen; the original rows must be seen exactly once.
            var regions = new[] { RandomRegion(random, rows) }.Where(r => (long)r[0].Min >= 0).ToList();
            if (regions.Count == 0)
            {
                continue;
            }
            var statistics = new QueryStatistics();
            var found = await RunAsync(query, regions, null, statistics);
            replans += statistics.Replans;
            List<Row> snapshot;
            lock (rows)
            {
                snapshot = rows.Where(r => (long)r.Values[0]! >= 0).ToList();
            }
            Assert.Equal(Model(snapshot, regions, null), found.Select(ModelValues.Canonical).Order(StringComparer.Ordinal));
            queries++;
        }
        await stop.CancelAsync();
        var rounds = await maintenance;
        Assert.True(rounds > 1);
        var all = await RunAsync(query, [Region.Whole(Schema)], null);
        Assert.Equal(rows.Count, all.Count);
        Assert.Equal(rows.Select(ModelValues.Canonical).Order(StringComparer.Ordinal), all.Select(ModelValues.Canonical).Order(StringComparer.Ordinal));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{queries} queries raced {rounds} rounds of compaction, GC and splitting; {replans} re-planned after a file was deleted"));
    }
}
