using Microsoft.Extensions.Logging.Abstractions;
using Sleeper.Core.Jobs;
using Sleeper.Core.Properties;
using Sleeper.Core.Tracking;
using Sleeper.Instance;
using Sleeper.Postgres;
using Xunit.Abstractions;

namespace Sleeper.Scheduler.Tests;

/// <summary>
/// Two schedulers on one instance, each with the instance opened on its own (as two processes would), racing their
/// rounds: the state store's validated commits let one of them have each file, so no file is ever in two jobs, each
/// job that holds files commits once, and a partition is split once. Embedded, and on services (PostgreSQL and S3).
/// </summary>
public sealed class TwoSchedulersTest(ITestOutputHelper output)
{
    [Fact]
    public async Task Two_schedulers_on_an_embedded_instance_never_create_the_same_job_twice()
    {
        using var temp = new TempFolder();
        await using var first = await SleeperInstance.CreateAsync(temp.Combine("instance"));
        await using var second = await SleeperInstance.OpenAsync(temp.Combine("instance"));
        await RaceAsync(first, second);
    }

    [Fact]
    public async Task Two_schedulers_on_an_instance_on_services_never_create_the_same_job_twice()
    {
        var location = $"s3://sched-{Guid.NewGuid().ToString("N")[..12]}/instance";
        await using var first = await SleeperInstance.CreateAsync(location, LocalServers.PostgresUrl, LocalServers.S3Endpoint);
        try
        {
            await using var second = await SleeperInstance.OpenAsync(location);
            await RaceAsync(first, second);
        }
        finally
        {
            await using var database = new PostgresDatabase(LocalServers.PostgresUrl, $"sleeper_{first.Properties.Get(InstanceProperty.Id)}");
            await database.DropSchemaAsync();
        }
    }

    private async Task RaceAsync(SleeperInstance first, SleeperInstance second)
    {
        var properties = SleeperProperties.ForTable();
        properties.Set(TableProperty.CompactionStrategyClass.Name, "BasicCompactionStrategy");
        properties.Set(TableProperty.CompactionFilesBatchSize.Name, "2");
        var table = await first.CreateTableAsync("events", SchedulerTestInstance.Schema, properties,
            Core.Partitions.PartitionsBuilder.FromSplitPoints(SchedulerTestInstance.Schema, []));
        var schedulers = new[] { first, second }.Select(i => new ScheduledWork(i, NullLogger<ScheduledWork>.Instance)).ToArray();
        var random = new Random(12);
        var rows = 0L;
        var assignedTo = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var round = 0; round < 5; round++)
        {
            for (var f = random.Next(3, 8); f > 0; f--)
            {
                await SchedulerTestInstance.IngestAsync(table, rows, 20);
                rows += 20;
            }
            var results = await Task.WhenAll(schedulers.Select(s => Task.Run(() => s.RunAsync(ScheduledOperation.CompactionJobCreation))));
            Assert.All(results, r => Assert.Empty(r.Failed));
            output.WriteLine($"Round {round}: the schedulers created {results[0].Done} and {results[1].Done} job(s).");
            foreach (var reference in (await table.StateStore.GetStateAsync()).AllReferences().Where(r => r.JobId is not null))
            {
                // Once a file is in a job it stays in that job, whatever the other scheduler planned.
                Assert.Equal(assignedTo.GetValueOrDefault(reference.Filename, reference.JobId!), reference.JobId);
                assignedTo[reference.Filename] = reference.JobId!;
            }
            // Between them they left no two free files, which Basic with a batch of two would have made a job of.
            Assert.True((await table.StateStore.GetStateAsync()).AllReferences().Count(r => r.JobId is null) < 2);
        }
        var assignedJobs = assignedTo.Values.ToHashSet(StringComparer.Ordinal);
        Assert.NotEmpty(assignedJobs);
        Assert.All(assignedJobs, job => Assert.Equal(2, assignedTo.Values.Count(j => j == job)));

        // Every job that holds files runs and commits once; a message for a job whose assignment lost the race (sent
        // before its commit, for crash safety) is dropped by the worker as obsolete, without touching the table.
        var run = await TaskWorkers.RunAsync(first, TaskWorkerKind.Compaction, TimeSpan.Zero, CancellationToken.None);
        Assert.Equal(assignedJobs.Count, run);
        var events = await first.CompactionTracker.ReadJobEventsAsync(table.Id);
        var committed = events.Where(e => e.Kind == JobEventKind.Committed).GroupBy(e => e.JobId).ToList();
        Assert.Equal(assignedJobs.Order(StringComparer.Ordinal), committed.Select(g => g.Key).Order(StringComparer.Ordinal));
        Assert.All(committed, g => Assert.Single(g));
        var created = events.Where(e => e.Kind == JobEventKind.Created).Select(e => e.JobId).Distinct().Count();
        output.WriteLine($"{assignedJobs.Count} job(s) held files and committed; {created - assignedJobs.Count} message(s) for plans that lost the race were dropped.");
        // Those are recorded as superseded, not failed for anyone to hear of: the event log stays empty.
        Assert.All(events.Where(e => e.Kind == JobEventKind.Failed), e => Assert.True(JobEventReasons.IsSuperseded(e), e.Reason));
        await foreach (var (_, logged) in first.Events.ReadAsync())
        {
            Assert.Fail($"The race published an event: {logged.Kind}: {logged.Message}");
        }
        var references = await table.StateStore.GetFileReferencesAsync();
        Assert.Equal(rows, references.Sum(r => r.NumberOfRows));
        Assert.All(references, r => Assert.Null(r.JobId));
        Assert.Equal(0, (await first.Queue(QueueNames.Compaction).GetDepthAsync()) is { Visible: 0, InFlight: 0 } ? 0 : 1);

        // Both split the same partition at once: it is split once.
        table.Properties.Set(TableProperty.PartitionSplittingThreshold.Name, "50");
        await first.SaveTablePropertiesAsync(table);
        var splits = await Task.WhenAll(schedulers.Select(s => Task.Run(() => s.RunAsync(ScheduledOperation.PartitionSplitting))));
        Assert.Equal(1, splits.Sum(s => s.Done));
        Assert.Equal(3, (await table.StateStore.GetAllPartitionsAsync()).Count);
    }
}
