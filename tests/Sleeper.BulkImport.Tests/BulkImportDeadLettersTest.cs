using Sleeper.Core.Ingest;
using Sleeper.Core.Jobs;
using Sleeper.Core.Tracking;
using Sleeper.Instance;
using Sleeper.Jobs;

namespace Sleeper.BulkImport.Tests;

/// <summary>
/// The sweep of the bulk import dead letters, which works from the dead letters alone because no queue tells anyone
/// of one (SQS moves it on the server): each dead-lettered job's end is recorded once, however many sweeps run at once.
/// </summary>
public sealed class BulkImportDeadLettersTest : IDisposable
{
    private readonly TestTable _t = new();

    public void Dispose() => _t.Dispose();

    private Task<Sleeper.Core.Tables.SleeperTable> OpenTable(BulkImportJob job, CancellationToken cancellationToken) =>
        _t.Instance.OpenTableAsync(job.TableName!, cancellationToken: cancellationToken);

    [Fact]
    public async Task Sweeps_racing_over_the_same_dead_letters_record_each_job_dead_lettered_exactly_once()
    {
        var table = await _t.CreateAsync(minLeafPartitions: 1);
        var queue = FileJobQueue.InInstance(_t.Instance.Root!, QueueNames.BulkImport, maxReceiveCount: 2);
        foreach (var id in new[] { "job-1", "job-2", "job-3" })
        {
            await queue.SendAsync(IngestJobSerDe.ToJson(new BulkImportJob(id, "t", null, [Path.Combine(_t.Folder, "missing.parquet")])));
        }
        await _t.Instance.BulkImportTracker.RecordAsync(new JobEvent(table.Id, "job-2", JobEventKind.Failed, DateTimeOffset.UtcNow, Reason: "no such file"));
        while (await queue.ReceiveAsync(TimeSpan.FromMinutes(1)) is { } message)
        {
            await queue.ReleaseAsync(message);
        }
        Assert.Equal(3, (await queue.GetDeadLettersAsync()).Count);
        const int Sweeps = 4;
        var start = new Barrier(Sweeps);

        var results = await Task.WhenAll(Enumerable.Range(0, Sweeps).Select(_ => Task.Run(() =>
        {
            var sweep = BulkImportDeadLetters.Sweep(FileJobQueue.InInstance(_t.Instance.Root!, QueueNames.BulkImport, maxReceiveCount: 2),
                new FileJobTracker(Path.Combine(_t.Instance.Root!, "trackers", "bulk-import")), OpenTable);
            start.SignalAndWait();
            return sweep.RunAsync();
        })));

        Assert.Equal(3, results.Sum(r => r.Reported));
        Assert.All(results, r => Assert.Empty(r.Deferred));
        var events = await _t.Instance.BulkImportTracker.ReadJobEventsAsync(table.Id);
        var dead = events.Where(e => e.Kind == JobEventKind.DeadLettered).ToList();
        Assert.Equal(["job-1", "job-2", "job-3"], dead.Select(e => e.JobId).Order(StringComparer.Ordinal));
        Assert.Equal("dead-lettered after 2 attempts; last failure: no such file", dead.Single(e => e.JobId == "job-2").Reason);
        Assert.Equal("dead-lettered after 2 attempts", dead.Single(e => e.JobId == "job-1").Reason);
        Assert.All(JobStatus.Fold(events), s => Assert.Equal("failed", s.State));
    }

    [Fact]
    public async Task The_dead_letter_of_a_job_whose_table_is_gone_is_recorded_under_the_table_it_named()
    {
        await _t.CreateAsync(minLeafPartitions: 1);
        var queue = FileJobQueue.InInstance(_t.Instance.Root!, QueueNames.BulkImport, maxReceiveCount: 1);
        await queue.SendAsync(IngestJobSerDe.ToJson(new BulkImportJob("job-9", "no-such-table", null, ["a.parquet"])));
        await queue.ReleaseAsync((await queue.ReceiveAsync(TimeSpan.FromMinutes(1)))!);
        Assert.Null(await queue.ReceiveAsync(TimeSpan.FromMinutes(1)));

        var swept = await BulkImportDeadLetters.Sweep(queue, _t.Instance.BulkImportTracker, OpenTable).RunAsync();

        Assert.Equal(1, swept.Reported);
        var dead = Assert.Single(await _t.Instance.BulkImportTracker.ReadJobEventsAsync("no-such-table"));
        Assert.Equal(("job-9", JobEventKind.DeadLettered), (dead.JobId, dead.Kind));
    }
}
