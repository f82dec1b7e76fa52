using Sleeper.Core.Ingest;
using Sleeper.Core.Jobs;
using Sleeper.Core.Tracking;
using Sleeper.Jobs;

namespace Sleeper.BulkImport.Tests;

public sealed class BulkImportWorkerTest : IDisposable
{
    private readonly TestTable _t = new();

    public void Dispose() => _t.Dispose();

    private BulkImportWorker Worker(FileJobQueue queue) =>
        new(queue, _t.Instance.BulkImportTracker, (job, ct) => _t.Instance.OpenTableAsync(job.TableName!, cancellationToken: ct), new BulkImportOptions { ScratchRoot = _t.Scratch })
        {
            PollInterval = TimeSpan.FromMilliseconds(20),
        };

    [Fact]
    public async Task The_worker_runs_a_queued_job_and_records_it_as_committed()
    {
        var table = await _t.CreateAsync(minLeafPartitions: 4);
        var rows = TestTable.Rows(3000, seed: 11);
        var files = new[] { _t.WriteParquet("a.parquet", rows[..1500]), _t.WriteParquet("b.parquet", rows[1500..]) };
        var queue = FileJobQueue.InInstance(_t.Instance.Root!, QueueNames.BulkImport);
        await queue.SendAsync(IngestJobSerDe.ToJson(new BulkImportJob("job-1", "t", null, files)));

        var outcome = await Worker(queue).RunAsync(TimeSpan.FromMilliseconds(100));

        Assert.Equal(1, outcome.JobsRun);
        Assert.Equal(0, outcome.JobsFailed);
        Assert.Equal(rows.Count, outcome.RowsWritten);
        Assert.Equal(TestTable.Sorted(rows), TestTable.Sorted(await TestTable.ReadBackAsync(table)));
        Assert.Equal(4, (await table.StateStore.GetLeafPartitionsAsync()).Count);
        var status = Assert.Single(JobStatus.Fold(await _t.Instance.BulkImportTracker.ReadJobEventsAsync(table.Id)));
        Assert.Equal("committed", status.State);
        Assert.Equal(rows.Count, status.RowsWritten);
        Assert.Equal(new QueueDepth(0, 0, 0), await queue.GetDepthAsync());
    }

    [Fact]
    public async Task A_job_whose_earlier_attempt_committed_is_not_imported_again()
    {
        var table = await _t.CreateAsync(minLeafPartitions: 1);
        var rows = TestTable.Rows(500, seed: 12);
        var file = _t.WriteParquet("a.parquet", rows);
        // The earlier attempt committed its files, then died before the tracker or the queue heard of it.
        var earlier = await new BulkImportRunner(table, new BulkImportOptions { ScratchRoot = _t.Scratch })
            .ImportAsync(Sleeper.Ingest.Input.IngestInputs.Resolve([file], null), jobId: "job-2");
        var queue = FileJobQueue.InInstance(_t.Instance.Root!, QueueNames.BulkImport);
        await queue.SendAsync(IngestJobSerDe.ToJson(new BulkImportJob("job-2", "t", null, [file])));

        var outcome = await Worker(queue).RunAsync(TimeSpan.FromMilliseconds(100));

        Assert.Equal(0, outcome.JobsFailed);
        Assert.Equal(TestTable.Sorted(rows), TestTable.Sorted(await TestTable.ReadBackAsync(table)));
        Assert.Equal(earlier.FilesWritten, (await table.StateStore.GetStateAsync()).Files.Count);
        Assert.Equal("committed", Assert.Single(JobStatus.Fold(await _t.Instance.BulkImportTracker.ReadJobEventsAsync(table.Id))).State);
        Assert.Equal(new QueueDepth(0, 0, 0), await queue.GetDepthAsync());
    }

    [Fact]
    public async Task A_job_that_keeps_failing_is_retried_then_dead_lettered_and_the_table_is_unchanged()
    {
        var table = await _t.CreateAsync(minLeafPartitions: 4);
        var queue = FileJobQueue.InInstance(_t.Instance.Root!, QueueNames.BulkImport, maxReceiveCount: 2);
        var missing = Path.Combine(_t.Folder, "missing.parquet");
        await queue.SendAsync(IngestJobSerDe.ToJson(new BulkImportJob("job-3", "t", null, [missing])));

        var outcome = await Worker(queue).RunAsync(TimeSpan.FromMilliseconds(200));

        Assert.Equal(0, outcome.JobsRun);
        Assert.Equal(2, outcome.JobsFailed);
        Assert.Equal(new QueueDepth(0, 0, 1), await queue.GetDepthAsync());
        var events = await _t.Instance.BulkImportTracker.ReadJobEventsAsync(table.Id);
        Assert.Contains(events, e => e.Kind == JobEventKind.Failed && e.Reason!.Contains(missing, StringComparison.Ordinal));
        var dead = Assert.Single(events, e => e.Kind == JobEventKind.DeadLettered);
        Assert.StartsWith("dead-lettered after 2 attempts; last failure: ", dead.Reason, StringComparison.Ordinal);
        Assert.Contains(missing, dead.Reason, StringComparison.Ordinal);
        Assert.Equal(1, outcome.JobsDeadLettered);
        Assert.Equal("failed", Assert.Single(JobStatus.Fold(events)).State);
        Assert.Empty((await table.StateStore.GetStateAsync()).Files);
        Assert.Single(await table.StateStore.GetLeafPartitionsAsync());
    }
}
