using Microsoft.Extensions.Time.Testing;
using Sleeper.Core;
using Sleeper.Core.Batches;
using Sleeper.Core.Compaction;
using Sleeper.Core.Keys;
using Sleeper.Core.Partitions;
using Sleeper.Core.Properties;
using Sleeper.Core.StateStore;
using Sleeper.Core.StateStore.Transactions;
using Sleeper.Core.Tables;
using Sleeper.Ingest;
using Sleeper.Splitter;

namespace Sleeper.Compaction.Tests;

/// <summary>
/// The jobs on a store that keeps its objects in memory and has no local paths, as an object store: they
/// must need nothing but the storage port (reads through seekable streams, writes through staging files).
/// </summary>
public sealed class StoreWithoutLocalPathsTest : IDisposable
{
    private readonly InMemoryObjectStore _store = new();

    public void Dispose() => _store.Dispose();

    [Fact]
    public async Task Ingest_compaction_query_splitting_and_gc_work_through_the_port_alone()
    {
        var schema = TestTable.StandardSchema;
        var properties = SleeperProperties.ForTable();
        properties.Set(TableProperty.RowGroupRowsMax.Name, "50");
        properties.Set(TableProperty.GcDelayMinutes.Name, "1");
        properties.Set(TableProperty.PartitionSplittingThreshold.Name, "100");
        var stateStore = new TransactionLogStateStore(schema, new InMemoryTransactionLogStore(), new InMemorySnapshotStore());
        await stateStore.InitialiseAsync(PartitionsBuilder.SingleRoot(schema));
        var table = new SleeperTable(new TableStatus("t1", "memory", true), schema, properties, stateStore, _store);
        var rows = Enumerable.Range(0, 600).Select(i => new Row([$"k{i:D4}", (long)i, $"v{i}"])).ToList();

        var files = new List<string>();
        foreach (var chunk in rows.Chunk(200))
        {
            var builder = new RecordBatchBuilder(schema);
            foreach (var row in chunk)
            {
                builder.Append(row);
            }
            var ingested = await new IngestRunner(table).IngestBatchesAsync([builder.Build()]);
            files.Add(ingested.References.Select(r => r.Filename).Distinct().Single());
        }
        Assert.All(files, f => Assert.Contains(Path.ChangeExtension(f, ".sketches"), _store.Names));

        await stateStore.CommitAsync(new AssignJobIdsTransaction([new AssignJobIdRequest("job", "root", files)]));
        var job = new CompactionJob("job", table.Id, table.Name, "root", files, table.NewDataFileName("root"), DateTimeOffset.UtcNow);
        var compacted = await new CompactionTask().RunAsync(table, job);
        Assert.Equal(600, compacted.RowsWritten);

        Assert.Equal(rows.Select(r => r.ToString()), (await CompactionModel.QueryAsync(table, [Region.Whole(schema)])).Select(r => r.ToString()));

        var split = await new PartitionSplitter(table).RunRoundAsync();
        Assert.Single(split.Splits);

        var collected = await new GarbageCollector.GarbageCollector(table, new FakeTimeProvider(DateTimeOffset.UtcNow.AddHours(1))).RunAsync();
        Assert.Equal(3, collected.FilesDeleted);
        Assert.All(files, f => Assert.DoesNotContain(f, _store.Names));
        Assert.Contains(job.OutputFile, _store.Names);
        Assert.Equal(rows.Select(r => r.ToString()), (await CompactionModel.QueryAsync(table, [Region.Whole(schema)])).Select(r => r.ToString()));
    }
}
