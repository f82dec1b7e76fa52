using Microsoft.Extensions.Time.Testing;
using Sleeper.Core;
using Sleeper.Core.Batches;
using Sleeper.Core.Compaction;
using Sleeper.Core.Jobs;
using Sleeper.Core.Keys;
using Sleeper.Core.Partitions;
using Sleeper.Core.Properties;
using Sleeper.Core.Schema;
using Sleeper.Core.StateStore.Transactions;
using Sleeper.Core.Tables;
using Sleeper.Ingest;
using Sleeper.Instance;
using Sleeper.Jobs;
using Xunit;
using Xunit.Abstractions;
using Field = Sleeper.Core.Schema.Field;

namespace Sleeper.Compaction.Tests;

/// <summary>
/// A random sequence of ingests, compactions (by every strategy, run by a worker from the durable queue),
/// partition splits and garbage collections; after every step, random queries must return exactly the rows of
/// a plain list of everything ingested, and the state's file references must be sound.
/// </summary>
public sealed class CompactionModelTest(ITestOutputHelper output)
{
    public static readonly TheoryData<string, int> Cases = Build();

    private static TheoryData<string, int> Build()
    {
        var data = new TheoryData<string, int>();
        foreach (var schema in new[] { "string-long-string", "int-string" })
        {
            foreach (var seed in new[] { 1, 2, 3 })
            {
                data.Add(schema, seed);
            }
        }
        return data;
    }

    private static TableSchema SchemaNamed(string name) => name switch
    {
        "string-long-string" => new TableSchema(
            [new Field("key", StringType.Instance)],
            [new Field("timestamp", LongType.Instance)],
            [new Field("value", StringType.Instance)]),
        "int-string" => new TableSchema(
            [new Field("id", IntType.Instance), new Field("name", StringType.Instance)],
            [],
            [new Field("value", StringType.Instance, Nullable: true)]),
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Queries_match_every_row_ingested_through_random_ingests_compactions_splits_and_garbage_collections(string schemaName, int seed)
    {
        var schema = SchemaNamed(schemaName);
        var random = new Random(seed * 7919 + schemaName.Length);
        var values = new ModelValues(random);
        var root = Directory.CreateTempSubdirectory("sleeper-compaction-model-").FullName;
        try
        {
            var instance = await EmbeddedInstance.CreateAsync(root);
            var properties = SleeperProperties.ForTable();
            var writing = seed % 2 == 0 ? IngestRunner.OneFilePerLeaf : IngestRunner.OneReferencePerLeaf;
            properties.Set(TableProperty.IngestFileWritingStrategy.Name, writing);
            properties.Set(TableProperty.IngestBatchRows.Name, new[] { "13", "50", "200" }[random.Next(3)]);
            properties.Set(TableProperty.RowGroupRowsMax.Name, "17");
            properties.Set(TableProperty.CompactionFilesBatchSize.Name, random.Next(2, 4).ToString(System.Globalization.CultureInfo.InvariantCulture));
            properties.Set(TableProperty.SizeRatioRatio.Name, "2");
            properties.Set(TableProperty.GcDelayMinutes.Name, "0");
            var splitPoints = SplitPoints(schema, values);
            var table = await instance.CreateTableAsync("model", schema, properties, PartitionsBuilder.FromSplitPoints(schema, splitPoints));
            // The queue runs on a clock of its own, so that claims of workers that died can expire at once.
            var queueTime = new FakeTimeProvider(DateTimeOffset.UtcNow);
            var queue = QueuedCompaction.Queue(instance, time: queueTime);
            var model = new CompactionModel(schema);
            var context = $"{schemaName} seed {seed} ({writing}, {splitPoints.Count} split points)";
            var log = new List<string>();

            for (var step = 0; step < 16; step++)
            {
                var choice = step < 2 ? 0 : random.Next(10);
                string done;
                if (choice < 4)
                {
                    done = await IngestAsync(table, model, values);
                }
                else if (choice < 7)
                {
                    done = await CompactAsync(instance, table, queue, queueTime, RandomStrategy(random), random);
                }
                else if (choice < 8)
                {
                    var result = await new GarbageCollector.GarbageCollector(table).RunAsync();
                    done = $"GC deleted {result.FilesDeleted} file(s)";
                }
                else
                {
                    done = await SplitRandomLeafAsync(table, values);
                }
                log.Add(done);
                var at = $"{context}, after step {step} ({done})";
                await AssertReferencesAreSoundAsync(table, at);
                await AssertQueriesMatchAsync(table, model, values, at);
            }

            // Finally everything compacts down to one file per leaf and the garbage goes.
            log.Add(await CompactAsync(instance, table, queue, queueTime, new ForcedCompactionStrategy()));
            await new GarbageCollector.GarbageCollector(table).RunAsync();
            var state = await table.StateStore.GetStateAsync();
            Assert.All(state.Partitions.Values.Where(p => p.IsLeaf),
                leaf => Assert.True(state.AllReferences().Count(r => r.PartitionId == leaf.Id) <= 1, $"{context}: leaf {leaf.Id} still has several files."));
            await AssertReferencesAreSoundAsync(table, $"{context}, at the end");
            await model.AssertQueryMatchesAsync(table, [Region.Whole(schema)], $"{context}, whole table at the end");
            output.WriteLine($"{context}: {model.Rows.Count} rows; {string.Join("; ", log)}");
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private static readonly TimeSpan DeadWorkerVisibility = TimeSpan.FromMinutes(1);

    private static ICompactionStrategy RandomStrategy(Random random) => random.Next(3) switch
    {
        0 => new SizeRatioCompactionStrategy(),
        1 => new BasicCompactionStrategy(),
        _ => new ForcedCompactionStrategy(),
    };

    private static List<object> SplitPoints(TableSchema schema, ModelValues values)
    {
        var type = schema.RowKeyTypes[0];
        return ModelOrder.SplitPoints(Enumerable.Range(0, values.Random.Next(0, 5)).Select(_ => values.Primitive(type)).ToList(), type);
    }

    private static async Task<string> IngestAsync(SleeperTable table, CompactionModel model, ModelValues values)
    {
        var random = values.Random;
        var schema = table.Schema;
        var rows = Enumerable.Range(0, random.Next(1, 301)).Select(_ => values.Row(schema)).ToList();
        // Keys already in the table come again, so compactions merge equal keys from different files.
        for (var i = random.Next(0, 6); i > 0 && model.Rows.Count > 0; i--)
        {
            var copy = model.Rows[random.Next(model.Rows.Count)];
            rows.Add(new Row([.. copy.Values.Take(schema.KeyFieldCount), .. schema.ValueFields.Select(values.Value)]));
        }
        var batches = new List<List<Row>>();
        for (var start = 0; start < rows.Count;)
        {
            var size = random.Next(1, rows.Count - start + 1);
            batches.Add(rows.GetRange(start, size));
            start += size;
        }
        var result = await new IngestRunner(table).IngestBatchesAsync(batches.Select(b =>
        {
            var builder = new RecordBatchBuilder(schema);
            foreach (var row in b)
            {
                builder.Append(row);
            }
            return builder.Build();
        }));
        Assert.Equal(rows.Count, result.RowsWritten);
        model.Add(rows);
        return $"ingested {rows.Count} rows";
    }

    /// <summary>
    /// Creates jobs and runs them with a worker. First, some of them may be taken by workers that die: one
    /// abandons its job, another commits it but dies before deleting its message. The queue's clock is then
    /// moved past their claims, so the worker gets those jobs again.
    /// </summary>
    private static async Task<string> CompactAsync(SleeperInstance instance, SleeperTable table, FileJobQueue queue, FakeTimeProvider queueTime,
        ICompactionStrategy strategy, Random? deaths = null)
    {
        var jobs = await QueuedCompaction.CreateAndSendAsync(instance, table, queue, strategy);
        int abandoned = 0, committedThenDied = 0;
        for (var taken = deaths is null ? 0 : deaths.Next(jobs.Count + 1); taken > 0; taken--)
        {
            var message = await queue.ReceiveAsync(DeadWorkerVisibility);
            Assert.NotNull(message);
            if (deaths!.Next(2) == 0)
            {
                abandoned++;
            }
            else
            {
                await new CompactionTask(instance.Time).RunAsync(table, CompactionJobSerDe.FromJson(message.Body));
                committedThenDied++;
            }
        }
        queueTime.Advance(DeadWorkerVisibility + TimeSpan.FromSeconds(1));
        var result = await QueuedCompaction.Worker(instance, queue, time: queueTime).RunAsync(TimeSpan.Zero);
        Assert.Equal(0, result.JobsFailed);
        Assert.Equal(jobs.Count - committedThenDied, result.JobsRun);
        Assert.Equal(new QueueDepth(0, 0, 0), await queue.GetDepthAsync());
        var state = await table.StateStore.GetStateAsync();
        Assert.All(state.AllReferences(), r => Assert.Null(r.JobId));
        foreach (var job in jobs)
        {
            Assert.True(state.TryGetReference(job.OutputFile, job.PartitionId, out _), $"Job {job.JobId}'s output is not referenced in partition {job.PartitionId}.");
            Assert.Equal("committed", (await QueuedCompaction.StatusAsync(instance, job)).State);
        }
        return $"{strategy.GetType().Name} ran {jobs.Count} job(s)" + (abandoned + committedThenDied > 0 ? $" ({abandoned} abandoned and {committedThenDied} committed by dying workers first)" : "");
    }

    private static async Task<string> SplitRandomLeafAsync(SleeperTable table, ModelValues values)
    {
        var leaves = (await table.StateStore.GetStateAsync()).Partitions.Values.Where(p => p.IsLeaf).OrderBy(p => p.Id, StringComparer.Ordinal).ToList();
        var leaf = leaves[values.Random.Next(leaves.Count)];
        var dimension = values.Random.Next(table.Schema.RowKeyFields.Count);
        var at = values.Primitive(table.Schema.RowKeyTypes[dimension]);
        var range = leaf.Region[dimension];
        if (ModelOrder.Compare(at, range.Min) <= 0 || (range.Max is not null && ModelOrder.Compare(at, range.Max) >= 0))
        {
            return "no split";
        }
        var (parent, left, right) = PartitionsBuilder.Split(leaf, dimension, at, Guid.NewGuid().ToString(), Guid.NewGuid().ToString());
        await table.StateStore.CommitAsync(new SplitPartitionTransaction(parent, [left, right]));
        return $"split a leaf on {table.Schema.RowKeyFields[dimension].Name} at {KeyValues.Format(at)}";
    }

    /// <summary>
    /// Each file is referenced at most once on any path from the root to a leaf (or its rows would be read twice),
    /// only from partitions that exist; every referenced file is on disk, and every data file on disk is known to
    /// the state store (no output of a compaction is left behind unreferenced and untracked).
    /// </summary>
    private static async Task AssertReferencesAreSoundAsync(SleeperTable table, string context)
    {
        var state = await table.StateStore.GetStateAsync();
        foreach (var file in state.Files.Values)
        {
            var partitions = file.References.Values.Select(r => r.PartitionId).ToList();
            Assert.True(partitions.Distinct().Count() == partitions.Count, $"{context}: file {file.Filename} is referenced twice in one partition.");
            foreach (var partitionId in partitions)
            {
                Assert.True(state.Partitions.ContainsKey(partitionId), $"{context}: file {file.Filename} is referenced in unknown partition {partitionId}.");
                for (var ancestor = state.Partitions[partitionId].ParentId; ancestor is not null; ancestor = state.Partitions[ancestor].ParentId)
                {
                    Assert.False(partitions.Contains(ancestor), $"{context}: file {file.Filename} is referenced in partition {partitionId} and in its ancestor {ancestor}.");
                }
            }
            if (file.References.Count > 0)
            {
                Assert.True(File.Exists(table.LocalPathOf(file.Filename)), $"{context}: referenced file {file.Filename} is missing from disk.");
            }
        }
        var data = Path.Combine(table.LocalFolder(), "data");
        if (Directory.Exists(data))
        {
            foreach (var path in Directory.GetFiles(data, "*.parquet", SearchOption.AllDirectories))
            {
                var filename = Path.GetRelativePath(table.Objects.Location, path).Replace(Path.DirectorySeparatorChar, '/');
                Assert.True(state.Files.ContainsKey(filename), $"{context}: data file {filename} is on disk but unknown to the state store.");
            }
        }
    }

    private static async Task AssertQueriesMatchAsync(SleeperTable table, CompactionModel model, ModelValues values, string context)
    {
        var schema = table.Schema;
        var random = values.Random;
        await model.AssertQueryMatchesAsync(table, [Region.Whole(schema)], $"{context}, whole table");
        for (var q = 0; q < 6; q++)
        {
            IReadOnlyList<Region> regions = (q % 3) switch
            {
                // An exact key, present or perhaps not.
                0 => [Region.ForKey(schema, new Key(random.Next(3) > 0 && model.Rows.Count > 0
                    ? model.Rows[random.Next(model.Rows.Count)].Values.Take(schema.RowKeyFields.Count).Select(v => v!).ToArray()
                    : schema.RowKeyTypes.Select(values.Primitive).ToArray()))],
                1 => [Region.ForFirstFieldRange(schema, values.Range(schema.RowKeyFields[0]))],
                _ => [new Region(schema.RowKeyFields.Select(values.Range).ToArray()), new Region(schema.RowKeyFields.Select(values.Range).ToArray())],
            };
            await model.AssertQueryMatchesAsync(table, regions, $"{context}, query {q}: {string.Join(" ∪ ", regions)}");
        }
    }
}
