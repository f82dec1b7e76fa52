using Sleeper.Core;
using Sleeper.Core.Batches;
using Sleeper.Core.Keys;
using Sleeper.Core.Partitions;
using Sleeper.Core.Properties;
using Sleeper.Core.Schema;
using Sleeper.Core.StateStore;
using Sleeper.Core.Tables;
using Sleeper.Ingest;
using Sleeper.Parquet;
using Sleeper.Query;
using Xunit.Abstractions;
using Field = Sleeper.Core.Schema.Field;

namespace Sleeper.Aws.Tests;

/// <summary>
/// What an exact-key lookup costs in S3 requests on a table whose files live in the S3 server, with the footer
/// cache cold and then warm. The state store is in memory, so every request counted is for the data files.
/// </summary>
public sealed class S3LookupRequestsTest(S3TestBucket bucket, ITestOutputHelper output) : IClassFixture<S3TestBucket>
{
    private static readonly TableSchema Schema = new(
        [new Field("key", StringType.Instance)],
        [new Field("timestamp", LongType.Instance)],
        [new Field("value", StringType.Instance)]);

    /// <summary>
    /// A table of two files of <paramref name="rowsPerFile"/> rows each, even keys in one and odd in the other, so
    /// a key's row group in each file passes the min/max check and only the row-key check rules one out.
    /// </summary>
    private static async Task<SleeperTable> TwoFileTableAsync(S3ObjectStore store, int rowsPerFile, int rowGroupRows)
    {
        var properties = SleeperProperties.ForTable();
        properties.Set(TableProperty.RowGroupRowsMax.Name, rowGroupRows.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var stateStore = new TransactionLogStateStore(Schema, new InMemoryTransactionLogStore(), new InMemorySnapshotStore());
        await stateStore.InitialiseAsync(PartitionsBuilder.SingleRoot(Schema));
        var table = new SleeperTable(new TableStatus("t1", "lookups", true), Schema, properties, stateStore, store);
        // Random values, as real ones are: they do not compress away, so files span many read blocks.
        var random = new Random(7);
        for (var parity = 0; parity < 2; parity++)
        {
            var builder = new RecordBatchBuilder(Schema);
            for (var i = 0; i < rowsPerFile; i++)
            {
                var n = 2 * i + parity;
                var value = new byte[20];
                random.NextBytes(value);
                builder.Append(new Row([$"key-{n:D8}", (long)n, Convert.ToHexString(value)]));
            }
            await new IngestRunner(table).IngestBatchesAsync([builder.Build()]);
        }
        Assert.Equal(2, (await stateStore.GetStateAsync()).Files.Count);
        return table;
    }

    private static async Task<long> LookupAsync(QueryExecutor query, string key)
    {
        long rows = 0;
        await foreach (var batch in query.RunAsync([Region.ForKey(Schema, Key.Of(key))]))
        {
            rows += batch.Length;
            batch.Dispose();
        }
        return rows;
    }

    private async Task<(S3RequestCounts Cold, S3RequestCounts Warm, S3RequestCounts Again)> MeasureAsync(S3ObjectStore store, SleeperTable table, string key)
    {
        // Without a cache (no footers, and a fresh cache of page locations each time) every lookup pays what a cold one does.
        var before = store.Requests.Current;
        Assert.Equal(1, await LookupAsync(new QueryExecutor(table) { Footers = null, Pages = new ParquetPageCache() }, key));
        Assert.Equal(1, await LookupAsync(new QueryExecutor(table) { Footers = null, Pages = new ParquetPageCache() }, key));
        var twiceWithoutCache = store.Requests.Current - before;

        var query = new QueryExecutor(table) { Footers = new ParquetFooterCache(), Pages = new ParquetPageCache() };
        before = store.Requests.Current;
        Assert.Equal(1, await LookupAsync(query, key));
        var cold = store.Requests.Current - before;
        before = store.Requests.Current;
        Assert.Equal(1, await LookupAsync(query, key));
        var warm = store.Requests.Current - before;
        before = store.Requests.Current;
        Assert.Equal(1, await LookupAsync(query, "key-00000777"));
        var again = store.Requests.Current - before;
        Assert.Equal(twiceWithoutCache, cold + cold);
        output.WriteLine($"without a cache, two lookups: {twiceWithoutCache}; cold: {cold}; warm, same key: {warm}; warm, another key: {again}; statistics of the last: {query.LastStatistics.FilesRead} files, " +
            $"{query.LastStatistics.RowGroupsRead} row groups read ({query.LastStatistics.PageReads} page by page), {query.LastStatistics.RowGroupsSkipped} skipped; footers: {query.Footers.Statistics}");
        return (cold, warm, again);
    }

    [Fact]
    public async Task A_warm_lookup_on_two_small_files_sends_no_HEAD_and_one_GET_per_file()
    {
        // Files well under one read block (1 MiB): the block fetched for the footer holds the whole file.
        var store = bucket.NewStore();
        var table = await TwoFileTableAsync(store, rowsPerFile: 5000, rowGroupRows: 1000);

        var (cold, warm, again) = await MeasureAsync(store, table, "key-00004242");

        // Cold, per file: a HEAD for the length and one GET of the block that ends the file (which is all of it).
        Assert.Equal(new S3RequestCounts(Get: 2, Put: 0, List: 0, Head: 2, Delete: 0), cold);
        // Warm: no HEAD, no footer, and the first row key's pages are decoded in memory already; at most one GET per
        // file, of the block holding the pages of the key's row (in the file that holds it).
        Assert.Equal(0, warm.Head + again.Head + warm.Put + warm.List + warm.Delete);
        Assert.InRange(warm.Get, 1, 2);
        Assert.InRange(again.Get, 1, 2);
    }

    [Fact]
    public async Task A_warm_lookup_on_files_of_many_blocks_reads_no_footer_and_asks_no_length()
    {
        // Small read blocks, so the footer and each row group are blocks of their own, as on files of hundreds of MiB.
        var store = bucket.NewStore(o => o with { ReadBlockSize = 16 * 1024, ReadCacheBlocks = 4 });
        var table = await TwoFileTableAsync(store, rowsPerFile: 20_000, rowGroupRows: 2000);
        var sizes = new List<long>();
        await foreach (var o in store.ListAsync("t1/data/"))
        {
            if (o.Name.EndsWith(".parquet", StringComparison.Ordinal))
            {
                sizes.Add(o.Size);
            }
        }
        output.WriteLine($"file sizes: {string.Join(", ", sizes)} bytes");
        Assert.All(sizes, s => Assert.True(s > 8 * 16 * 1024, $"A {s}-byte file is too small for this test's blocks."));

        var (cold, warm, again) = await MeasureAsync(store, table, "key-00024242");

        Assert.Equal(2, cold.Head);
        Assert.Equal(0, warm.Head);
        Assert.Equal(0, again.Head);
        Assert.Equal(0, warm.Put + warm.List + warm.Delete);
        // Each cold open also fetched the block ending its file, for the footer (8 KiB here, inside one block);
        // warm ones fetch no footer, and otherwise read exactly what the cold one did.
        // Cold ones also fetch the page indexes (offset and column index), which warm ones have in memory.
        Assert.True(cold.Get - warm.Get >= 2, $"cold {cold.Get} GETs, warm {warm.Get}");
        // Per file: the block of the candidate row group's key column; in the file holding the key, the blocks of
        // that row group's other columns too (about 48 KiB: four blocks of 16 KiB, or five across a boundary).
        Assert.InRange(warm.Get, 2, 7);
        Assert.InRange(again.Get, 2, 7);
    }
}
