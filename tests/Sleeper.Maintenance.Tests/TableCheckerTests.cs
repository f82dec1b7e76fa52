using Sleeper.TestSupport;
using RecordBatch = Apache.Arrow.RecordBatch;
using Microsoft.Extensions.Time.Testing;
using Sleeper.Core;
using Sleeper.Core.Batches;
using Sleeper.Core.Checks;
using Sleeper.Core.Files;
using Sleeper.Core.Keys;
using Sleeper.Core.Partitions;
using Sleeper.Core.Properties;
using Sleeper.Core.Schema;
using Sleeper.Core.StateStore.Transactions;
using Sleeper.Core.Tables;
using Sleeper.Ingest;
using Sleeper.Instance;
using Sleeper.Maintenance.Checks;
using Sleeper.StateStore.LocalFiles;

namespace Sleeper.Maintenance.Tests;

/// <summary>
/// Each check finds its problem on a table broken on purpose, and a healthy table, busy with the ordinary
/// life of a table, is clean. File times are real, so the test clock starts at the real time.
/// </summary>
public sealed class TableCheckerTests : IDisposable
{
    private static readonly TableSchema Schema = new([new Field("key", StringType.Instance)], [], [new Field("value", LongType.Instance)]);
    private readonly TempFolder _folder = new();
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private SleeperInstance _instance = null!;
    private LocalObjectStore _store = null!;

    public void Dispose() => _folder.Dispose();

    private async Task<SleeperTable> TableAsync(IReadOnlyList<object>? splitPoints = null)
    {
        _instance = await EmbeddedInstance.CreateAsync(_folder.Combine("instance"), _time);
        _store = new LocalObjectStore(_instance.Root!);
        var properties = SleeperProperties.ForTable();
        properties.Set(TableProperty.GcOrphanDelayMinutes.Name, "60");
        var partitions = splitPoints is null ? PartitionsBuilder.SingleRoot(Schema) : PartitionsBuilder.FromSplitPoints(Schema, splitPoints);
        return await _instance.CreateTableAsync("t", Schema, properties, partitions);
    }

    private TableChecker Checker() => TableChecks.Checker(_store, _time);

    private static IEnumerable<RecordBatch> Rows(params string[] keys)
    {
        var builder = new RecordBatchBuilder(Schema);
        foreach (var key in keys)
        {
            builder.Append(new Row([key, 1L]));
        }
        yield return builder.Build();
    }

    private static async Task<IReadOnlyList<FileReference>> IngestAsync(SleeperTable table, params string[] keys) =>
        (await new IngestRunner(table).IngestBatchesAsync(Rows(keys))).References;

    private static async Task<IReadOnlyList<FileReference>> WriteUncommittedAsync(SleeperTable table, params string[] keys) =>
        (await new IngestRunner(table).WriteBatchesAsync(Rows(keys))).References;

    private static IReadOnlyList<TableProblem> Problems(TableCheckReport report, string check) =>
        report.Checks.Single(c => c.Check == check).Problems;

    /// <summary>The one problem of the report, which must be of the given kind.</summary>
    private static TableProblem Only(TableCheckReport report, string kind)
    {
        var problem = Assert.Single(report.Checks.SelectMany(c => c.Problems));
        Assert.Equal(kind, problem.Kind);
        return problem;
    }

    [Fact]
    public async Task A_table_in_ordinary_use_is_clean()
    {
        var table = await TableAsync(splitPoints: ["m"]);
        var first = await IngestAsync(table, "a", "b", "x");
        var second = await IngestAsync(table, "c", "y");
        // A compaction job in flight, a file waiting for garbage collection, and an output not yet committed.
        var left = first[0].PartitionId;
        var inLeft = (await table.StateStore.GetFileReferencesAsync()).Where(r => r.PartitionId == left).Select(r => r.Filename).ToList();
        await table.StateStore.CommitAsync(new AssignJobIdsTransaction([new AssignJobIdRequest("job-1", left, inLeft)]));
        await WriteUncommittedAsync(table, "d");
        _time.Advance(TimeSpan.FromMinutes(30));

        var report = await Checker().CheckAsync(table);

        Assert.True(report.IsClean, string.Join("; ", report.Checks.SelectMany(c => c.Problems).Select(p => $"{p.Kind} {p.Subject}: {p.Detail}")));
        Assert.Equal(["partitions", "referenced files", "job assignments", "orphan files", "abandoned writes"], report.Checks.Select(c => c.Check));
    }

    [Fact]
    public async Task A_deleted_data_file_is_missing()
    {
        var table = await TableAsync();
        var file = (await IngestAsync(table, "a"))[0].Filename;
        File.Delete(table.LocalPathOf(file));
        var problem = Only(await Checker().CheckAsync(table), ReferencedFilesCheck.MissingFile);
        Assert.Equal(file, problem.Subject);
        Assert.False(problem.Repairable);
    }

    [Fact]
    public async Task A_truncated_data_file_is_unreadable()
    {
        var table = await TableAsync();
        var file = (await IngestAsync(table, "a", "b"))[0].Filename;
        var path = table.LocalPathOf(file);
        var bytes = await File.ReadAllBytesAsync(path);
        await File.WriteAllBytesAsync(path, bytes[..(bytes.Length / 2)]);
        Assert.Equal(file, Only(await Checker().CheckAsync(table), ReferencedFilesCheck.UnreadableFile).Subject);
    }

    [Fact]
    public async Task A_data_file_of_another_schema_is_unreadable()
    {
        var table = await TableAsync();
        var file = (await IngestAsync(table, "a"))[0].Filename;
        var otherSchema = new TableSchema([new Field("id", LongType.Instance)], [], []);
        var other = await _instance.CreateTableAsync("other", otherSchema, SleeperProperties.ForTable(), PartitionsBuilder.SingleRoot(otherSchema));
        var builder = new RecordBatchBuilder(otherSchema);
        builder.Append(new Row([1L]));
        var foreign = (await new IngestRunner(other).IngestBatchesAsync([builder.Build()])).References[0].Filename;
        File.Copy(other.LocalPathOf(foreign), table.LocalPathOf(file), overwrite: true);
        Assert.Equal(file, Only(await Checker().CheckAsync(table), ReferencedFilesCheck.UnreadableFile).Subject);
    }

    [Fact]
    public async Task A_reference_that_counts_more_rows_than_its_file_holds_is_found()
    {
        var table = await TableAsync();
        var written = (await WriteUncommittedAsync(table, "a", "b"))[0];
        await table.StateStore.CommitAsync(new AddFilesTransaction([written with { NumberOfRows = 3 }]));
        var problem = Only(await Checker().CheckAsync(table), ReferencedFilesCheck.TooFewRows);
        Assert.Contains("Holds 2 rows", problem.Detail);
    }

    [Fact]
    public async Task Overlapping_partitions_do_not_tile_the_key_space()
    {
        var table = await TableAsync();
        var root = Partition.Leaf("root", null, Region.Whole(Schema)) with { IsLeaf = false, ChildIds = ["left", "right"], Dimension = 0 };
        var left = Partition.Leaf("left", "root", new Region([KeyRange.Of(Schema.RowKeyFields[0], "", "n")]));
        var right = Partition.Leaf("right", "root", new Region([KeyRange.Of(Schema.RowKeyFields[0], "m", null)]));
        await table.StateStore.CommitAsync(new InitialisePartitionsTransaction([root, left, right]));
        Only(await Checker().CheckAsync(table), PartitionsCheck.PartitionsDoNotTile);
    }

    [Fact]
    public async Task A_state_store_that_does_not_load_is_reported_and_the_checks_that_need_it_say_they_could_not_run()
    {
        var table = await TableAsync();
        await IngestAsync(table, "a");
        var log = Path.Combine(table.LocalFolder(), "statestore", "transactions");
        var last = Directory.GetFiles(log).Order(StringComparer.Ordinal).Last();
        await File.WriteAllTextAsync(last, "{ not json");
        var reopened = await EmbeddedInstance.Open(_instance.Root!, _time).OpenTableAsync("t");

        var report = await Checker().CheckAsync(reopened);

        Assert.Equal(PartitionsCheck.StateStoreUnreadable, Assert.Single(Problems(report, "partitions")).Kind);
        Assert.Equal(TableChecker.CheckFailed, Assert.Single(Problems(report, "referenced files")).Kind);
        Assert.False(report.IsClean);
    }

    [Fact]
    public async Task A_job_holding_references_in_two_partitions_is_found()
    {
        var table = await TableAsync(splitPoints: ["m"]);
        var references = await IngestAsync(table, "a", "x");
        var requests = references.Select(r => new AssignJobIdRequest("job-1", r.PartitionId, [r.Filename])).ToList();
        Assert.Equal(2, requests.Select(r => r.PartitionId).Distinct().Count());
        await table.StateStore.CommitAsync(new AssignJobIdsTransaction(requests));
        Assert.Equal("job-1", Only(await Checker().CheckAsync(table), JobAssignmentsCheck.JobInTwoPartitions).Subject);
    }

    [Fact]
    public async Task An_orphan_is_reported_once_past_the_delay_and_repair_deletes_it_and_nothing_else()
    {
        var table = await TableAsync();
        var kept = (await IngestAsync(table, "a"))[0].Filename;
        var orphan = (await WriteUncommittedAsync(table, "b"))[0].Filename;
        Assert.True((await Checker().CheckAsync(table)).IsClean);

        _time.Advance(TimeSpan.FromMinutes(61));
        var problem = Only(await Checker().CheckAsync(table), OrphanFilesCheck.OrphanFile);
        Assert.Equal(orphan, problem.Subject);
        Assert.True(problem.Repairable);

        var repair = await Checker().RepairAsync(table);
        Assert.False(repair.Before.IsClean);
        Assert.Equal(1, repair.Repairs.Single(r => r.Check == "orphan files").Repaired);
        Assert.True(repair.After.IsClean);
        Assert.False(File.Exists(table.LocalPathOf(orphan)));
        Assert.False(File.Exists(Path.ChangeExtension(table.LocalPathOf(orphan), ".sketches")));
        Assert.True(File.Exists(table.LocalPathOf(kept)));
    }

    [Fact]
    public async Task Repair_deletes_abandoned_writes_past_the_delay()
    {
        var table = await TableAsync();
        var kept = (await IngestAsync(table, "a"))[0].Filename;
        var staging = Path.Combine(Path.GetDirectoryName(table.LocalPathOf(kept))!, $".{Guid.NewGuid()}.parquet.{Guid.NewGuid():N}.tmp");
        await File.WriteAllTextAsync(staging, "half a file");
        _time.Advance(TimeSpan.FromMinutes(61));

        var repair = await Checker().RepairAsync(table);

        Assert.Equal(1, repair.Repairs.Single(r => r.Check == "abandoned writes").Repaired);
        Assert.False(File.Exists(staging));
        Assert.True(repair.After.IsClean);
    }

    [Fact]
    public async Task Repair_leaves_what_is_not_safe_to_repair_and_the_second_check_still_finds_it()
    {
        var table = await TableAsync();
        var file = (await IngestAsync(table, "a"))[0].Filename;
        File.Delete(table.LocalPathOf(file));
        var repair = await Checker().RepairAsync(table);
        Assert.All(repair.Repairs, r => Assert.Equal(0, r.Repaired));
        Only(repair.After, ReferencedFilesCheck.MissingFile);
    }

    [Fact]
    public async Task Another_check_is_registered_between_the_table_checks_and_the_storage_checks()
    {
        var table = await TableAsync();
        var checker = TableChecks.Checker(_store, _time, [new AlwaysFinds()]);
        var report = await checker.CheckAsync(table);
        Assert.Equal("stranded assignments", report.Checks[3].Check);
        Assert.Equal("stranded-assignment", Only(report, "stranded-assignment").Kind);
    }

    private sealed class AlwaysFinds : ITableCheck
    {
        public string Name => "stranded assignments";

        public Task<IReadOnlyList<TableProblem>> RunAsync(SleeperTable table, CancellationToken cancellationToken = default) =>
            Task.FromResult<IReadOnlyList<TableProblem>>([new TableProblem("stranded-assignment", "job", "no queue holds it", true)]);

        public Task<int> RepairAsync(SleeperTable table, IReadOnlyList<TableProblem> problems, CancellationToken cancellationToken = default) =>
            Task.FromResult(0);
    }
}
