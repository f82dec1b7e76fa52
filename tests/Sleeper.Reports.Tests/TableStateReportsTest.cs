using System.Text.Json.Nodes;
using Microsoft.Extensions.Time.Testing;
using Sleeper.Core.Files;
using Sleeper.Core.Partitions;
using Sleeper.Core.Properties;
using Sleeper.Core.Schema;
using Sleeper.Core.StateStore.Transactions;
using Sleeper.Core.Tables;
using Sleeper.Instance;

namespace Sleeper.Reports.Tests;

/// <summary>
/// The reports of table state (full, partitions, files, metrics) against a table whose files and partitions are
/// committed by hand, so every figure is known: partitions root → (L: keys before "m", R: from "m"),
/// file a: 10 rows in L (the output of compacting file c); file b: 4 rows in L and 6 in R (split over both), assigned to job j1 in L; file c: no
/// references since an hour before "now", so ready for garbage collection after the table's delay.
/// </summary>
public sealed class TableStateReportsTest : IDisposable
{
    private static readonly TableSchema Schema = new([new Field("key", StringType.Instance)], [], [new Field("value", LongType.Instance)]);
    private readonly TempFolder _folder = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 2, 3, 0, 0, TimeSpan.Zero));
    private SleeperInstance _instance = null!;

    public void Dispose() => _folder.Dispose();

    /// <summary>The table above; returns its left and right leaf ids.</summary>
    private async Task<(string Left, string Right)> TableAsync(string name = "t")
    {
        _instance = await EmbeddedInstance.CreateAsync(_folder.Combine("instance"), _time);
        var ids = new Queue<string>(["L", "R", "root"]);
        var partitions = PartitionsBuilder.FromSplitPoints(Schema, ["m"], () => ids.Dequeue());
        var table = await _instance.CreateTableAsync(name, Schema, SleeperProperties.ForTable(), partitions);
        // Leaves are made first, left to right, then the root.
        var (left, right) = ("L", "R");
        // c is compacted into a: c is left with no references.
        await table.StateStore.CommitAsync(new AddFilesTransaction([new FileReference("c", left, 10)]));
        await table.StateStore.CommitAsync(new AssignJobIdsTransaction([new AssignJobIdRequest("cj", left, ["c"])]));
        await table.StateStore.CommitAsync(new ReplaceFileReferencesTransaction([new ReplaceFileReferencesRequest("cj", left, ["c"], new FileReference("a", left, 10))]));
        _time.Advance(TimeSpan.FromHours(1));
        await table.StateStore.CommitAsync(new AddFilesTransaction(
            [new FileReference("b", left, 4, CountApproximate: true, OnlyContainsDataForThisPartition: false),
             new FileReference("b", right, 6, CountApproximate: true, OnlyContainsDataForThisPartition: false)]));
        await table.StateStore.CommitAsync(new AssignJobIdsTransaction([new AssignJobIdRequest("j1", left, ["b"])]));
        return (left, right);
    }

    [Fact]
    public async Task Metrics_count_files_references_rows_and_partitions()
    {
        await TableAsync();
        var metrics = await StatusReports.BuildAsync(_instance, "metrics", ["t"], null, default);
        Assert.Equal(
            """{"fileCount":3,"referenceCount":3,"rowCount":20,"partitionCount":3,"leafPartitionCount":2,"averageReferencesPerPartition":1.5,"maxReferencesPerPartition":2}""",
            metrics.ToJsonString());
    }

    [Fact]
    public async Task Partitions_list_the_tree_depth_first_with_rows_and_references_of_each()
    {
        var (left, right) = await TableAsync();
        var partitions = (await StatusReports.BuildAsync(_instance, "partitions", ["t"], null, default)).AsArray();
        Assert.Equal(3, partitions.Count);
        var root = partitions[0]!;
        Assert.Null(root["parentId"]);
        Assert.False(root["isLeaf"]!.GetValue<bool>());
        Assert.Equal($"[\"{left}\",\"{right}\"]", root["childIds"]!.ToJsonString());
        Assert.Equal(0, root["rowCount"]!.GetValue<long>());
        Assert.Equal(
            $$"""{"id":"{{left}}","parentId":"{{root["id"]}}","childIds":[],"isLeaf":true,"region":{"key":["",true,"m",false]},"rowCount":14,"fileReferenceCount":2}""",
            partitions[1]!.ToJsonString());
        Assert.Equal(
            $$"""{"id":"{{right}}","parentId":"{{root["id"]}}","childIds":[],"isLeaf":true,"region":{"key":["m",true,null,false]},"rowCount":6,"fileReferenceCount":1}""",
            partitions[2]!.ToJsonString());
    }

    [Fact]
    public async Task Files_list_each_file_with_its_references_and_jobs_and_those_ready_for_gc()
    {
        var (left, right) = await TableAsync();
        var files = await StatusReports.BuildAsync(_instance, "files", ["t"], null, default);
        var list = files["files"]!.AsArray();
        Assert.Equal(["a", "b", "c"], list.Select(f => f!["filename"]!.GetValue<string>()));
        Assert.Equal(
            $$"""[{"partitionId":"{{left}}","numberOfRows":4,"countApproximate":true,"onlyContainsDataForThisPartition":false,"jobId":"j1"},{"partitionId":"{{right}}","numberOfRows":6,"countApproximate":true,"onlyContainsDataForThisPartition":false,"jobId":null}]""",
            list[1]!["references"]!.ToJsonString());
        Assert.Equal("[]", list[2]!["references"]!.ToJsonString());
        Assert.Equal("2026-01-02T03:00:00.0000000+00:00", list[2]!["lastUpdateTime"]!.GetValue<string>());
        // The table's garbage collection delay decides: c waited an hour.
        var delay = SleeperProperties.ForTable().GetInt(TableProperty.GcDelayMinutes);
        Assert.Equal(delay < 60 ? """["c"]""" : "[]", files["readyForGc"]!.ToJsonString());
    }

    [Fact]
    public async Task Full_reports_every_table_by_name_with_its_state_and_metrics()
    {
        await TableAsync();
        var full = (await StatusReports.BuildAsync(_instance, "full", null, null, default)).AsObject();
        var t = full["t"]!;
        Assert.Equal(["id", "online", "transactionNumber", "partitions", "files", "metrics"], t.AsObject().Select(p => p.Key));
        Assert.True(t["online"]!.GetValue<bool>());
        Assert.Equal(3, t["partitions"]!.AsArray().Count);
        Assert.Equal(20, t["metrics"]!["rowCount"]!.GetValue<long>());
        var store = (await _instance.OpenTableAsync("t")).StateStore;
        await store.GetStateAsync();
        Assert.Equal(store.LastTransactionNumber, t["transactionNumber"]!.GetValue<long>());
    }
}
