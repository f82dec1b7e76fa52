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

namespace Sleeper.GarbageCollector.Tests;

public sealed class GarbageCollectorTests : IDisposable
{
    private static readonly TableSchema Schema = new([new Field("key", StringType.Instance)], [], [new Field("value", LongType.Instance)]);
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "sleeper-gc-test-" + Guid.NewGuid().ToString("N")[..8]);
    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2026-01-01T00:00:00Z"));

    public void Dispose()
    {
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    private async Task<SleeperTable> TableAsync(int gcDelayMinutes)
    {
        var instance = await EmbeddedInstance.CreateAsync(_folder, _time);
        var properties = SleeperProperties.ForTable();
        properties.Set(TableProperty.GcDelayMinutes.Name, gcDelayMinutes.ToString());
        return await instance.CreateTableAsync("t", Schema, properties, PartitionsBuilder.SingleRoot(Schema));
    }

    private static async Task<IReadOnlyList<string>> IngestFilesAsync(SleeperTable table, int files)
    {
        var names = new List<string>();
        for (var f = 0; f < files; f++)
        {
            var builder = new RecordBatchBuilder(Schema);
            builder.Append(new Row([$"k{f}", (long)f]));
            var result = await new IngestRunner(table).IngestBatchesAsync([builder.Build()]);
            names.Add(result.References[0].Filename);
        }
        return names;
    }

    [Fact]
    public async Task Gc_removes_the_scratch_folders_of_killed_ingests_and_bulk_imports_but_not_one_in_use()
    {
        var table = await TableAsync(gcDelayMinutes: 0);
        var scratch = Path.Combine(_folder, "scratch");
        using var exited = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("true") { UseShellExecute = false })!;
        await exited.WaitForExitAsync();
        var killedIngest = Path.Combine(scratch, $"sleeper-ingest-{exited.Id}-{Guid.NewGuid():N}");
        var killedBulkImport = Path.Combine(scratch, $"sleeper-bulk-import-{exited.Id}-{Guid.NewGuid():N}");
        var inUse = Path.Combine(scratch, $"sleeper-ingest-{Environment.ProcessId}-{Guid.NewGuid():N}");
        var notOurs = Path.Combine(scratch, "sleeper-ingest-notes");
        foreach (var folder in new[] { killedIngest, killedBulkImport, inUse, notOurs })
        {
            Directory.CreateDirectory(folder);
            await File.WriteAllTextAsync(Path.Combine(folder, "run-00001.arrows"), "a sorted run");
        }

        var result = await new GarbageCollector(table, _time, scratch: new Sleeper.Ingest.Spill.LocalScratchSpace(scratch)).RunAsync();

        Assert.Equal(2, result.ScratchFoldersRemoved);
        Assert.False(Directory.Exists(killedIngest));
        Assert.False(Directory.Exists(killedBulkImport));
        Assert.True(Directory.Exists(inUse));
        Assert.True(Directory.Exists(notOurs));
    }

    /// <summary>Stands in for a compaction: the inputs' references are replaced by one output file.</summary>
    private static async Task<string> ReplaceAsync(SleeperTable table, IReadOnlyList<string> inputs)
    {
        var output = table.NewDataFileName("root");
        await table.Objects.WriteAllBytesAsync(output, System.Text.Encoding.UTF8.GetBytes("stand-in output"));
        await table.StateStore.CommitAsync(new AssignJobIdsTransaction([new AssignJobIdRequest("job", "root", inputs)]));
        await table.StateStore.CommitAsync(new ReplaceFileReferencesTransaction([new ReplaceFileReferencesRequest("job", "root", inputs, new FileReference(output, "root", inputs.Count))]));
        return output;
    }

    [Fact]
    public async Task An_unreferenced_file_is_deleted_only_after_the_delay()
    {
        var table = await TableAsync(gcDelayMinutes: 10);
        var inputs = await IngestFilesAsync(table, 3);
        var output = await ReplaceAsync(table, inputs);

        _time.Advance(TimeSpan.FromMinutes(9));
        Assert.Equal(0, (await new GarbageCollector(table, _time).RunAsync()).FilesDeleted);
        Assert.All(inputs, f => Assert.True(File.Exists(table.LocalPathOf(f))));

        _time.Advance(TimeSpan.FromMinutes(2));
        var result = await new GarbageCollector(table, _time).RunAsync();
        Assert.Equal(3, result.FilesDeleted);
        Assert.All(inputs, f => Assert.False(File.Exists(table.LocalPathOf(f))));
        Assert.All(inputs, f => Assert.False(File.Exists(Path.ChangeExtension(table.LocalPathOf(f), ".sketches"))));
        var state = await table.StateStore.GetStateAsync();
        Assert.Equal([output], state.Files.Keys);
        Assert.True(File.Exists(table.LocalPathOf(output)));
    }

    [Fact]
    public async Task A_referenced_file_is_never_deleted_however_old()
    {
        var table = await TableAsync(gcDelayMinutes: 0);
        var files = await IngestFilesAsync(table, 4);
        _time.Advance(TimeSpan.FromDays(365));
        Assert.Equal(0, (await new GarbageCollector(table, _time).RunAsync()).FilesDeleted);
        Assert.All(files, f => Assert.True(File.Exists(table.LocalPathOf(f))));
        Assert.Equal(4, (await table.StateStore.GetFileReferencesAsync()).Count);
    }

    [Fact]
    public async Task Files_are_deleted_in_batches_each_committed()
    {
        var table = await TableAsync(gcDelayMinutes: 1);
        var inputs = await IngestFilesAsync(table, 5);
        await ReplaceAsync(table, inputs);
        _time.Advance(TimeSpan.FromMinutes(5));
        var before = table.StateStore.LastTransactionNumber;
        var result = await new GarbageCollector(table, _time, batchSize: 2).RunAsync();
        Assert.Equal((5, 3), (result.FilesDeleted, result.Batches));
        await table.StateStore.UpdateAsync();
        Assert.Equal(before + 3, table.StateStore.LastTransactionNumber);
    }

    [Fact]
    public async Task A_file_already_gone_from_storage_is_still_forgotten()
    {
        var table = await TableAsync(gcDelayMinutes: 1);
        var inputs = await IngestFilesAsync(table, 2);
        await ReplaceAsync(table, inputs);
        File.Delete(table.LocalPathOf(inputs[0]));
        _time.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal(2, (await new GarbageCollector(table, _time).RunAsync()).FilesDeleted);
        Assert.Single((await table.StateStore.GetStateAsync()).Files);
    }
}
