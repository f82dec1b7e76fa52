using System.Globalization;
using Apache.Arrow;
using Sleeper.Core;
using Sleeper.Core.Batches;
using Sleeper.Core.Keys;
using Sleeper.Core.Partitions;
using Sleeper.Core.Properties;
using Sleeper.Core.Schema;
using Sleeper.Core.Tables;
using Sleeper.Instance;
using Sleeper.Parquet;
using Xunit;
using Field = Sleeper.Core.Schema.Field;

namespace Sleeper.Ingest.Tests;

/// <summary>
/// Ingest of more rows than its memory budget: sorted runs spill to the scratch folder and are merged at the
/// end. Checked against a model (the input rows, sorted): every row comes back exactly once, in key order, in
/// the leaf it belongs to; the scratch folder is always removed.
/// </summary>
public sealed class SpillingIngestTests : IDisposable
{
    private static readonly TableSchema Standard = new(
        [new Field("key", StringType.Instance)],
        [new Field("timestamp", LongType.Instance)],
        [new Field("value", StringType.Instance)]);

    private static readonly TableSchema TwoKeys = new(
        [new Field("a", IntType.Instance), new Field("b", ByteArrayType.Instance)],
        [new Field("s", StringType.Instance)],
        [new Field("l", new ListType(LongType.Instance), Nullable: true), new Field("m", new MapType(StringType.Instance, IntType.Instance))]);

    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    private string Scratch => Path.Combine(_temp.Path, "scratch");

    public static TheoryData<string, string, int, int> Cases() => new()
    {
        // schema, writing strategy, seed, budget in bytes
        { "standard", IngestRunner.OneReferencePerLeaf, 1, 4096 },
        { "standard", IngestRunner.OneFilePerLeaf, 2, 4096 },
        { "standard", IngestRunner.OneFilePerLeaf, 3, 1 << 30 },
        { "two-keys", IngestRunner.OneReferencePerLeaf, 4, 8192 },
        { "two-keys", IngestRunner.OneFilePerLeaf, 5, 8192 },
        { "two-keys", IngestRunner.OneFilePerLeaf, 6, 1 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Every_row_comes_back_once_in_order_whatever_the_budget(string schemaName, string strategy, int seed, int budget)
    {
        var schema = schemaName == "standard" ? Standard : TwoKeys;
        var random = new Random(seed);
        var table = await TableAsync(schema, strategy, budget, batchRows: 37 + random.Next(40), Partitions(schema));
        var expected = new List<Row>();
        for (var ingest = 0; ingest < 3; ingest++)
        {
            var rows = Enumerable.Range(0, random.Next(0, 700)).Select(_ => RandomRow(schema, random)).ToList();
            expected.AddRange(rows);
            // Small enough that the rows are merged and written on every core, each over its own leaves.
            var result = await new IngestRunner(table, Scratch) { MinRowsPerPipeline = 50 }.IngestBatchesAsync(Batches(schema, rows, random));

            Assert.Equal(rows.Count, result.RowsWritten);
            if (budget < 10_000 && rows.Count > 200)
            {
                Assert.True(result.Statistics!.SpilledRuns > 1, $"expected spills with a {budget}-byte budget, got {result.Statistics}");
            }
            Assert.Empty(Directory.EnumerateFileSystemEntries(Scratch));
            await AssertTableHoldsAsync(table, expected);
        }
    }

    [Fact]
    public async Task A_failure_after_spilling_removes_the_scratch_runs_and_leaves_the_table_as_it_was()
    {
        var table = await TableAsync(Standard, IngestRunner.OneReferencePerLeaf, 2048, 50, PartitionsBuilder.FromSplitPoints(Standard, ["m"]));
        var random = new Random(7);
        var first = Enumerable.Range(0, 300).Select(_ => RandomRow(Standard, random)).ToList();
        await new IngestRunner(table, Scratch).IngestBatchesAsync(Batches(Standard, first, random));
        var before = await TableSnapshot.TakeAsync(table);
        var spilled = false;

        IEnumerable<RecordBatch> FailingAfterSpills()
        {
            var rows = Enumerable.Range(0, 500).Select(_ => RandomRow(Standard, random)).ToList();
            foreach (var batch in Batches(Standard, rows, random))
            {
                yield return batch;
            }
            spilled = Directory.EnumerateFiles(Scratch, "*", SearchOption.AllDirectories).Any();
            throw new IOException("the input's disk went away");
        }

        var error = await Assert.ThrowsAsync<IOException>(() => new IngestRunner(table, Scratch).IngestBatchesAsync(FailingAfterSpills()));

        Assert.Equal("the input's disk went away", error.Message);
        Assert.True(spilled, "the ingest should have spilled before the failure");
        Assert.Empty(Directory.EnumerateFileSystemEntries(Scratch));
        var after = await TableSnapshot.TakeAsync(table);
        Assert.Equal(before.References, after.References);
        Assert.Equal(before.DataFiles, after.DataFiles);
        await AssertTableHoldsAsync(table, first);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(300)]
    [InlineData(5000)]
    public async Task A_scratch_disk_that_fills_up_fails_the_ingest_saying_so_commits_nothing_and_a_rerun_with_space_succeeds(int roomBytes)
    {
        var table = await TableAsync(Standard, IngestRunner.OneReferencePerLeaf, 2048, 40, PartitionsBuilder.FromSplitPoints(Standard, ["m"]));
        var random = new Random(11);
        var first = Enumerable.Range(0, 300).Select(_ => RandomRow(Standard, random)).ToList();
        await new IngestRunner(table, Scratch).IngestBatchesAsync(Batches(Standard, first, random));
        var before = await TableSnapshot.TakeAsync(table);
        var more = Enumerable.Range(0, 600).Select(_ => RandomRow(Standard, random)).ToList();

        var error = await Assert.ThrowsAsync<Sleeper.Ingest.Spill.ScratchWriteException>(() =>
            new IngestRunner(table, Scratch) { ScratchDisk = new FullDisk(roomBytes) }.IngestBatchesAsync(Batches(Standard, more, random)));

        Assert.True(error.DiskFull);
        Assert.Contains($"scratch folder {Scratch} is full", error.Message);
        Assert.Contains("sleeper.ingest.scratch.folder", error.Message);
        Assert.Empty(Directory.EnumerateFileSystemEntries(Scratch));
        var after = await TableSnapshot.TakeAsync(table);
        Assert.Equal(before.References, after.References);
        Assert.Equal(before.DataFiles, after.DataFiles);

        await new IngestRunner(table, Scratch).IngestBatchesAsync(Batches(Standard, more, random));
        await AssertTableHoldsAsync(table, [.. first, .. more]);
    }

    /// <summary>A scratch disk with room for so many bytes, shared by all its files, then ENOSPC.</summary>
    private sealed class FullDisk(long room) : Sleeper.Ingest.Spill.ScratchDisk
    {
        private long _used;

        public override Stream CreateFile(string path) => new Limited(this, base.CreateFile(path));

        private sealed class Limited(FullDisk disk, Stream inner) : Stream
        {
            public override bool CanRead => false;
            public override bool CanSeek => false;
            public override bool CanWrite => true;
            public override long Length => inner.Length;
            public override long Position { get => inner.Position; set => throw new NotSupportedException(); }
            public override void Flush() => inner.Flush();
            public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
            public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
            public override void SetLength(long value) => throw new NotSupportedException();

            public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

            public override void Write(ReadOnlySpan<byte> buffer)
            {
                if (Interlocked.Add(ref disk._used, buffer.Length) > disk.Room)
                {
                    throw new IOException("No space left on device", 28);
                }
                inner.Write(buffer);
            }

            protected override void Dispose(bool disposing)
            {
                if (disposing)
                {
                    inner.Dispose();
                }
                base.Dispose(disposing);
            }
        }

        private long Room => room;
    }

    [Fact]
    public async Task A_null_key_found_after_spilling_fails_the_ingest_naming_the_field_and_removes_the_runs()
    {
        var table = await TableAsync(Standard, IngestRunner.OneFilePerLeaf, 1024, 20, PartitionsBuilder.SingleRoot(Standard));
        var random = new Random(8);
        var rows = Enumerable.Range(0, 200).Select(_ => RandomRow(Standard, random)).ToList();
        // As a Parquet file with a nullable key column would give it: the builder itself refuses such a null.
        var bad = new RecordBatch(ArrowSchemas.ToArrow(Standard),
            [new StringArray.Builder().AppendNull().Build(), new Int64Array.Builder().Append(1).Build(), new StringArray.Builder().Append("v").Build()], 1);

        var error = await Assert.ThrowsAsync<RowValidationException>(() =>
            new IngestRunner(table, Scratch).IngestBatchesAsync(Batches(Standard, rows, random).Append(bad)));

        Assert.Contains("'key'", error.Message);
        Assert.Empty(Directory.EnumerateFileSystemEntries(Scratch));
        Assert.Empty((await table.StateStore.GetStateAsync()).Files);
        Assert.Empty((await TableSnapshot.TakeAsync(table)).DataFiles);
    }

    [Fact]
    public async Task Cancelling_mid_ingest_removes_the_scratch_runs_and_commits_nothing()
    {
        var table = await TableAsync(Standard, IngestRunner.OneReferencePerLeaf, 1024, 20, PartitionsBuilder.SingleRoot(Standard));
        var random = new Random(9);
        using var cancel = new CancellationTokenSource();

        IEnumerable<RecordBatch> CancelledPartWay()
        {
            var rows = Enumerable.Range(0, 3000).Select(_ => RandomRow(Standard, random)).ToList();
            var count = 0;
            foreach (var batch in Batches(Standard, rows, random))
            {
                if (++count == 10)
                {
                    cancel.Cancel();
                }
                yield return batch;
            }
        }

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => new IngestRunner(table, Scratch).IngestBatchesAsync(CancelledPartWay(), cancellationToken: cancel.Token));

        Assert.Empty(Directory.EnumerateFileSystemEntries(Scratch));
        Assert.Empty((await table.StateStore.GetStateAsync()).Files);
        Assert.Empty((await TableSnapshot.TakeAsync(table)).DataFiles);
    }

    private async Task<SleeperTable> TableAsync(TableSchema schema, string strategy, int budget, int batchRows, IReadOnlyList<Partition> partitions)
    {
        Directory.CreateDirectory(Scratch);
        var instance = await EmbeddedInstance.CreateAsync(Path.Combine(_temp.Path, "instance-" + Guid.NewGuid().ToString("N")));
        var properties = SleeperProperties.ForTable();
        properties.Set(TableProperty.IngestFileWritingStrategy.Name, strategy);
        properties.Set(TableProperty.IngestMemoryBytes.Name, budget.ToString(CultureInfo.InvariantCulture));
        properties.Set(TableProperty.IngestBatchRows.Name, batchRows.ToString(CultureInfo.InvariantCulture));
        properties.Set(TableProperty.RowGroupRowsMax.Name, "13");
        return await instance.CreateTableAsync("spilling", schema, properties, partitions);
    }

    /// <summary>Splits on the first key, and for two keys also on the second inside one leaf, so leaves interleave in key order.</summary>
    private static IReadOnlyList<Partition> Partitions(TableSchema schema)
    {
        if (schema == Standard)
        {
            return PartitionsBuilder.FromSplitPoints(schema, ["c", "k", "ka"]);
        }
        var partitions = PartitionsBuilder.FromSplitPoints(schema, [0, 5]).ToList();
        var leaf = partitions.Single(p => p.IsLeaf && p.Region[0].Min is 0);
        var (parent, left, right) = PartitionsBuilder.Split(leaf, 1, new byte[] { 0x80 }, "low-b", "high-b");
        partitions.Remove(leaf);
        partitions.AddRange([parent, left, right]);
        return partitions;
    }

    private static Row RandomRow(TableSchema schema, Random random)
    {
        if (schema == Standard)
        {
            // Few distinct keys, so many rows share a key and only the sort key (or nothing) orders them.
            var key = string.Concat(Enumerable.Range(0, random.Next(0, 3)).Select(_ => "ackmz"[random.Next(5)]));
            return new Row([key, (long)random.Next(-3, 3), "v" + random.Next(1000)]);
        }
        var list = random.Next(4) == 0 ? null : Enumerable.Range(0, random.Next(3)).Select(_ => (long)random.Next(-9, 9)).ToList();
        var map = Enumerable.Range(0, random.Next(3)).ToDictionary(i => "k" + i, _ => random.Next(100));
        return new Row([random.Next(-3, 9), new[] { (byte)(random.Next(2) * 0x80 + random.Next(3)) }, "s" + random.Next(3), list, map]);
    }

    /// <summary>The rows, in their order, as batches of random sizes.</summary>
    private static IEnumerable<RecordBatch> Batches(TableSchema schema, IReadOnlyList<Row> rows, Random random)
    {
        var start = 0;
        while (start < rows.Count)
        {
            var count = Math.Min(rows.Count - start, 1 + random.Next(90));
            var builder = new RecordBatchBuilder(schema, count);
            for (var i = start; i < start + count; i++)
            {
                builder.Append(rows[i]);
            }
            start += count;
            yield return builder.Build();
        }
    }

    /// <summary>Every file is sorted and inside the leaves that reference it, and together they hold exactly the expected rows.</summary>
    private static async Task AssertTableHoldsAsync(SleeperTable table, IReadOnlyList<Row> expected)
    {
        var state = await table.StateStore.GetStateAsync();
        var keys = KeyComparer.ForRowAndSortKeys(table.Schema);
        var comparer = Comparer<Row>.Create((x, y) => keys.Compare(KeyOf(table.Schema, x), KeyOf(table.Schema, y)));
        var actual = new List<Row>();
        foreach (var file in state.Files.Values)
        {
            var rows = new List<Row>();
            using (var reader = SortedParquetReader.Open(table.LocalPathOf(file.Filename), table.Schema))
            {
                await foreach (var batch in reader.ReadAllAsync())
                {
                    using (batch)
                    {
                        rows.AddRange(BatchRows.ToRows(batch, table.Schema));
                    }
                }
            }
            for (var i = 1; i < rows.Count; i++)
            {
                Assert.True(comparer.Compare(rows[i - 1], rows[i]) <= 0, $"{file.Filename}: row {i} sorts before row {i - 1}");
            }
            var leaves = file.References.Values.Select(r => state.Partitions[r.PartitionId]).ToList();
            Assert.All(rows, r => Assert.Contains(leaves, l => l.Region.Contains(Key.Of(r.Values.Take(table.Schema.RowKeyFields.Count).Select(v => v!).ToArray()))));
            Assert.Equal(rows.Count, file.References.Values.Sum(r => r.NumberOfRows));
            actual.AddRange(rows);
        }
        // Stable: rows with equal keys and sort keys keep their input order.
        var model = expected.Select((r, i) => (r, i)).OrderBy(x => x.r, comparer).ThenBy(x => x.i).Select(x => x.r.ToString());
        var merged = actual.Order(comparer).Select(r => r.ToString());
        Assert.Equal(model.Order(StringComparer.Ordinal), merged.Order(StringComparer.Ordinal));
    }

    private static object[] KeyOf(TableSchema schema, Row row) => row.Values.Take(schema.KeyFieldCount).Select(v => v!).ToArray();
}
