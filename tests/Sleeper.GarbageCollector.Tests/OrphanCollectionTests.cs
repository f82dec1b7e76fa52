using Microsoft.Extensions.Time.Testing;
using Sleeper.Core;
using Sleeper.Core.Batches;
using Sleeper.Core.Files;
using Sleeper.Core.Partitions;
using Sleeper.Core.Properties;
using Sleeper.Core.Schema;
using Sleeper.Core.StateStore.Transactions;
using Sleeper.Core.Tables;
using Sleeper.Ingest;
using Sleeper.Instance;
using Sleeper.StateStore.LocalFiles;
using Sleeper.TestSupport;

namespace Sleeper.GarbageCollector.Tests;

/// <summary>
/// Files that no transaction references (a job died or failed before its commit) are deleted once older than
/// sleeper.table.gc.orphan.delay.minutes. Times are the files' own, so the test clock starts at the real time.
/// </summary>
public sealed class OrphanCollectionTests : IDisposable
{
    private static readonly TableSchema Schema = new([new Field("key", StringType.Instance)], [], [new Field("value", LongType.Instance)]);
    private readonly TempFolder _folder = new();
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private LocalObjectStore _store = null!;

    public void Dispose() => _folder.Dispose();

    private async Task<SleeperTable> TableAsync(int orphanDelayMinutes = 60)
    {
        var instance = await EmbeddedInstance.CreateAsync(_folder.Combine("instance"), _time);
        _store = new LocalObjectStore(instance.Root!);
        var properties = SleeperProperties.ForTable();
        properties.Set(TableProperty.GcDelayMinutes.Name, "0");
        properties.Set(TableProperty.GcOrphanDelayMinutes.Name, orphanDelayMinutes.ToString());
        return await instance.CreateTableAsync("t", Schema, properties, PartitionsBuilder.SingleRoot(Schema));
    }

    private static IEnumerable<Apache.Arrow.RecordBatch> Rows(params string[] keys)
    {
        var builder = new RecordBatchBuilder(Schema);
        foreach (var key in keys)
        {
            builder.Append(new Row([key, 1L]));
        }
        yield return builder.Build();
    }

    /// <summary>An ingest that wrote its file and died before committing it.</summary>
    private static async Task<string> WriteUncommittedAsync(SleeperTable table, string key) =>
        (await new IngestRunner(table).WriteBatchesAsync(Rows(key))).References[0].Filename;

    private async Task<string> IngestAsync(SleeperTable table, string key) =>
        (await new IngestRunner(table).IngestBatchesAsync(Rows(key))).References[0].Filename;

    private GarbageCollector Collector(SleeperTable table) => new(table, _time, store: _store);

    private static string Sketches(string parquet) => Path.ChangeExtension(parquet, ".sketches");

    [Fact]
    public async Task An_uncommitted_file_and_its_sketches_are_deleted_once_older_than_the_orphan_delay()
    {
        var table = await TableAsync(orphanDelayMinutes: 60);
        var orphan = await WriteUncommittedAsync(table, "a");

        _time.Advance(TimeSpan.FromMinutes(59));
        Assert.Equal(0, (await Collector(table).RunAsync()).OrphansDeleted);
        Assert.True(File.Exists(table.LocalPathOf(orphan)));

        _time.Advance(TimeSpan.FromMinutes(2));
        var result = await Collector(table).RunAsync();
        Assert.Equal(1, result.OrphansDeleted);
        Assert.True(result.OrphanBytesDeleted > 0);
        Assert.False(File.Exists(table.LocalPathOf(orphan)));
        Assert.False(File.Exists(table.LocalPathOf(Sketches(orphan))));
    }

    [Fact]
    public async Task A_referenced_file_is_never_collected_as_an_orphan_however_old()
    {
        var table = await TableAsync(orphanDelayMinutes: 1);
        var referenced = await IngestAsync(table, "a");
        _time.Advance(TimeSpan.FromDays(400));
        Assert.Equal(0, (await Collector(table).RunAsync()).OrphansDeleted);
        Assert.True(File.Exists(table.LocalPathOf(referenced)));
        Assert.True(File.Exists(table.LocalPathOf(Sketches(referenced))));
    }

    [Fact]
    public async Task A_file_the_state_store_knows_without_references_is_left_to_the_ordinary_delay()
    {
        var table = await TableAsync(orphanDelayMinutes: 1);
        table.Properties.Set(TableProperty.GcDelayMinutes.Name, "100000");
        var input = await IngestAsync(table, "a");
        var output = await WriteUncommittedAsync(table, "a");
        await table.StateStore.CommitAsync(new AssignJobIdsTransaction([new AssignJobIdRequest("job", "root", [input])]));
        await table.StateStore.CommitAsync(new ReplaceFileReferencesTransaction([new ReplaceFileReferencesRequest("job", "root", [input],
            new FileReference(output, "root", 1))]));
        _time.Advance(TimeSpan.FromDays(2));
        var result = await Collector(table).RunAsync();
        Assert.Equal((0, 0), (result.FilesDeleted, result.OrphansDeleted));
        Assert.True(File.Exists(table.LocalPathOf(input)));
    }

    [Fact]
    public async Task A_staging_file_a_killed_writer_left_in_the_data_folder_is_deleted_once_older_than_the_orphan_delay()
    {
        var table = await TableAsync(orphanDelayMinutes: 60);
        var kept = await IngestAsync(table, "a");
        var folder = Path.GetDirectoryName(table.LocalPathOf(kept))!;
        var staging = Path.Combine(folder, $".{Guid.NewGuid()}.parquet.{Guid.NewGuid():N}.tmp");
        await File.WriteAllTextAsync(staging, "half a file");

        _time.Advance(TimeSpan.FromMinutes(59));
        Assert.Equal(0, (await Collector(table).RunAsync()).AbandonedWritesDeleted);
        Assert.True(File.Exists(staging));

        _time.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal(1, (await Collector(table).RunAsync()).AbandonedWritesDeleted);
        Assert.False(File.Exists(staging));
        Assert.True(File.Exists(table.LocalPathOf(kept)));
    }

    [Fact]
    public async Task Orphan_collection_leaves_other_tables_files_alone()
    {
        var table = await TableAsync(orphanDelayMinutes: 1);
        var instance = EmbeddedInstance.Open(table.Objects.Location, _time);
        var other = await instance.CreateTableAsync("other", Schema, SleeperProperties.ForTable(), PartitionsBuilder.SingleRoot(Schema));
        var othersOrphan = await WriteUncommittedAsync(other, "z");
        _time.Advance(TimeSpan.FromDays(2));
        Assert.Equal(0, (await Collector(table).RunAsync()).OrphansDeleted);
        Assert.True(File.Exists(other.LocalPathOf(othersOrphan)));
    }
}
