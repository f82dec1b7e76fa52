using Sleeper.Core.Jobs;
using Sleeper.Core.Properties;
using Sleeper.Core.Tables;
using Sleeper.Ingest.Batcher;

namespace Sleeper.Scheduler.Tests;

/// <summary>
/// The scheduler in a generic host on a fake clock: each trigger runs its operation over the online tables once per
/// period, from the start, and at no other time.
/// </summary>
public sealed class ScheduledTriggersTest
{
    private static readonly TimeSpan Period = TimeSpan.FromSeconds(30);

    private static SchedulerOptions Only(ScheduledOperation operation) => new()
    {
        Periods = new Dictionary<ScheduledOperation, TimeSpan> { [operation] = Period },
        RunTaskWorkers = false,
    };

    private static async Task<int> VisibleAsync(SchedulerTestInstance test, string queue) =>
        (await test.Instance.Queue(queue).GetDepthAsync()).Visible;

    /// <summary>Lets the rounds a tick may have started finish, so "nothing happened" is seen after they would have.</summary>
    private static Task SettleAsync() => Task.Delay(300);

    [Fact]
    public async Task Compaction_jobs_appear_on_the_queue_at_each_interval_and_not_before()
    {
        await using var test = await SchedulerTestInstance.CreateAsync();
        var table = await test.CreateTableAsync("events");
        for (var i = 0; i < 4; i++)
        {
            await SchedulerTestInstance.IngestAsync(table, i * 100, 100);
        }
        var host = await test.StartSchedulerAsync(Only(ScheduledOperation.CompactionJobCreation));

        test.Time.Advance(Period - TimeSpan.FromSeconds(1));
        await SettleAsync();
        Assert.Equal(0, await VisibleAsync(test, QueueNames.Compaction));

        test.Time.Advance(TimeSpan.FromSeconds(1));
        await test.EventuallyAsync(async () => await VisibleAsync(test, QueueNames.Compaction) == 2, "the first round queued two jobs (four files, two per job)");

        await SchedulerTestInstance.IngestAsync(table, 1000, 100);
        await SchedulerTestInstance.IngestAsync(table, 1100, 100);
        test.Time.Advance(Period - TimeSpan.FromSeconds(1));
        await SettleAsync();
        Assert.Equal(2, await VisibleAsync(test, QueueNames.Compaction));
        test.Time.Advance(TimeSpan.FromSeconds(1));
        await test.EventuallyAsync(async () => await VisibleAsync(test, QueueNames.Compaction) == 3, "the second round queued a job for the two new files");
        // A job's message is sent before its assignment commits: the round has ended only once it is in the history.
        var service = HostServices.Get<SchedulerService>(host);
        await test.EventuallyAsync(() => Task.FromResult(service.History.Count == 2), "the second round finished");

        var state = await table.StateStore.GetStateAsync();
        Assert.All(state.AllReferences(), r => Assert.NotNull(r.JobId));
        Assert.Equal([2L, 1L], service.History.Select(r => r.Done));
    }

    [Fact]
    public async Task Offline_tables_are_skipped()
    {
        await using var test = await SchedulerTestInstance.CreateAsync();
        var online = await test.CreateTableAsync("online");
        var offline = await test.CreateTableAsync("offline");
        foreach (var table in new[] { online, offline })
        {
            await SchedulerTestInstance.IngestAsync(table, 0, 10);
            await SchedulerTestInstance.IngestAsync(table, 10, 10);
        }
        await test.Instance.SetOnlineAsync("offline", false);
        var host = await test.StartSchedulerAsync(Only(ScheduledOperation.CompactionJobCreation));

        test.Time.Advance(Period);
        await test.EventuallyAsync(async () => await VisibleAsync(test, QueueNames.Compaction) == 1, "a job was queued for the online table");
        test.Time.Advance(Period);
        await test.EventuallyAsync(() => Task.FromResult(HostServices.Get<SchedulerService>(host).History.Count == 2), "a second round ran");

        Assert.All((await online.StateStore.GetStateAsync()).AllReferences(), r => Assert.NotNull(r.JobId));
        Assert.All((await offline.StateStore.GetStateAsync()).AllReferences(), r => Assert.Null(r.JobId));
        Assert.All(HostServices.Get<SchedulerService>(host).History, r => Assert.Equal(["online"], r.Tables));
        Assert.Equal(1, await VisibleAsync(test, QueueNames.Compaction));
    }

    [Fact]
    public async Task A_paused_instance_runs_no_rounds_until_resumed_and_the_running_scheduler_notices_both()
    {
        await using var test = await SchedulerTestInstance.CreateAsync();
        var table = await test.CreateTableAsync("events");
        await SchedulerTestInstance.IngestAsync(table, 0, 10);
        await SchedulerTestInstance.IngestAsync(table, 10, 10);
        var pause = new SchedulerPause(test.Instance.Objects, test.Time);
        await pause.PauseAsync();
        var host = await test.StartSchedulerAsync(Only(ScheduledOperation.CompactionJobCreation));
        var service = HostServices.Get<SchedulerService>(host);

        for (var tick = 1; tick <= 3; tick++)
        {
            test.Time.Advance(Period);
            await test.EventuallyAsync(() => Task.FromResult(service.SkippedWhilePaused == tick), $"round {tick} was skipped");
        }
        Assert.Equal(0, await VisibleAsync(test, QueueNames.Compaction));
        Assert.Empty(service.History);

        Assert.True(await pause.ResumeAsync());
        test.Time.Advance(Period);
        await test.EventuallyAsync(async () => await VisibleAsync(test, QueueNames.Compaction) == 1, "the round after resuming queued a job");
        Assert.Equal(3, service.SkippedWhilePaused);
    }

    [Fact]
    public async Task Partition_splitting_splits_a_leaf_over_the_threshold_at_the_interval()
    {
        await using var test = await SchedulerTestInstance.CreateAsync();
        var table = await test.CreateTableAsync("events", p => p.Set(TableProperty.PartitionSplittingThreshold.Name, "100"));
        await SchedulerTestInstance.IngestAsync(table, 0, 500);
        await test.StartSchedulerAsync(Only(ScheduledOperation.PartitionSplitting));

        test.Time.Advance(Period - TimeSpan.FromSeconds(1));
        await SettleAsync();
        Assert.Single(await table.StateStore.GetAllPartitionsAsync());
        test.Time.Advance(TimeSpan.FromSeconds(1));
        await test.EventuallyAsync(async () => (await table.StateStore.GetAllPartitionsAsync()).Count == 3, "the root was split in two");
    }

    [Fact]
    public async Task Garbage_collection_deletes_the_inputs_of_a_finished_compaction_at_the_interval()
    {
        await using var test = await SchedulerTestInstance.CreateAsync();
        var table = await test.CreateTableAsync("events", p => p.Set(TableProperty.GcDelayMinutes.Name, "0"));
        await SchedulerTestInstance.IngestAsync(table, 0, 10);
        await SchedulerTestInstance.IngestAsync(table, 10, 10);
        var inputs = (await table.StateStore.GetFileReferencesAsync()).Select(r => r.Filename).ToList();
        await new Compaction.CompactionJobDispatcher(test.Instance.Queue(QueueNames.Compaction), test.Instance.CompactionTracker, test.Time)
            .CreateJobsAsync(table, Core.Compaction.CompactionStrategies.For(table.Properties));
        Assert.Equal(1, await TaskWorkers.RunAsync(test.Instance, TaskWorkerKind.Compaction, TimeSpan.Zero, CancellationToken.None));
        Assert.Equal(2, (await table.StateStore.GetReadyForGcFilenamesBeforeAsync(test.Time.GetUtcNow())).Count);
        var period = TimeSpan.FromMinutes(1);
        await test.StartSchedulerAsync(new SchedulerOptions
        {
            Periods = new Dictionary<ScheduledOperation, TimeSpan> { [ScheduledOperation.GarbageCollection] = period },
            RunTaskWorkers = false,
        });

        test.Time.Advance(period - TimeSpan.FromSeconds(1));
        await SettleAsync();
        Assert.All(inputs, f => Assert.True(File.Exists(Path.Combine(test.Folder, f)), $"{f} was deleted before the first round."));
        test.Time.Advance(TimeSpan.FromSeconds(1));
        await test.EventuallyAsync(async () => (await table.StateStore.GetReadyForGcFilenamesBeforeAsync(test.Time.GetUtcNow())).Count == 0, "the compacted inputs were collected");
        Assert.All(inputs, f => Assert.False(File.Exists(Path.Combine(test.Folder, f)), $"{f} is still there."));
    }

    [Fact]
    public async Task A_snapshot_of_each_table_is_written_at_the_interval()
    {
        await using var test = await SchedulerTestInstance.CreateAsync();
        var table = await test.CreateTableAsync("events");
        await SchedulerTestInstance.IngestAsync(table, 0, 10);
        await SchedulerTestInstance.IngestAsync(table, 10, 10);
        var period = TimeSpan.FromMinutes(1);
        await test.StartSchedulerAsync(new SchedulerOptions
        {
            Periods = new Dictionary<ScheduledOperation, TimeSpan> { [ScheduledOperation.StateStoreSnapshot] = period },
            RunTaskWorkers = false,
        });
        var snapshots = Path.Combine(test.Folder, table.Id, "statestore", "snapshots");
        int Count() => Directory.Exists(snapshots) ? Directory.GetFiles(snapshots, "*", SearchOption.AllDirectories).Length : 0;

        test.Time.Advance(period - TimeSpan.FromSeconds(1));
        await SettleAsync();
        Assert.Equal(0, Count());
        test.Time.Advance(TimeSpan.FromSeconds(1));
        await test.EventuallyAsync(() => Task.FromResult(Count() > 0), "a snapshot was written");
    }

    [Fact]
    public async Task The_ingest_batcher_sends_a_job_once_its_files_are_old_enough()
    {
        await using var test = await SchedulerTestInstance.CreateAsync();
        var table = await test.CreateTableAsync("events", p => p.Set(TableProperty.BatcherFileMaxAgeSeconds.Name, "45"));
        var input = Path.Combine(test.Folder, "..", "input.csv");
        await File.WriteAllTextAsync(input, "key,value\n1,a\n2,b\n");
        var files = await IngestBatcherFiles.ResolveAsync([input], table.Id, test.Time.GetUtcNow(), test.Instance.InputFiles);
        await test.Instance.IngestBatcher.AddFilesAsync(table.Id, files);
        await test.StartSchedulerAsync(Only(ScheduledOperation.IngestBatcher));

        test.Time.Advance(Period);
        await SettleAsync();
        Assert.Equal(0, await VisibleAsync(test, QueueNames.Ingest));
        test.Time.Advance(Period);
        await test.EventuallyAsync(async () => await VisibleAsync(test, QueueNames.Ingest) == 1, "the batcher sent the file, older than its 45 s, in an ingest job");
    }
}
