using Sleeper.Core.Ingest;
using Sleeper.Core.Jobs;
using Sleeper.Core.Tracking;
using Sleeper.Instance;
using Sleeper.Jobs;
using Xunit;

namespace Sleeper.Ingest.Tests;

/// <summary>
/// The sweep of the ingest dead letters, which works from the dead letters alone because no queue tells anyone of
/// one (SQS moves it on the server): each dead-lettered job's end is recorded once, with its last failure, however
/// many sweeps run at once.
/// </summary>
public sealed class IngestDeadLettersTest
{
    private static async Task<IngestJob> DeadLetterAsync(QueuedIngestTable table, string failure)
    {
        var job = await table.SubmitAsync(table.WriteJsonLines($"{Guid.NewGuid():N}.jsonl", 5));
        for (var attempt = 0; attempt < 3; attempt++)
        {
            var message = await table.Queue.ReceiveAsync(QueuedIngestTable.Visibility);
            await table.Tracker.RecordAsync(new JobEvent(table.Table.Id, job.Id, JobEventKind.Failed, table.Time.GetUtcNow(), "worker", Reason: $"{failure} {attempt + 1}"));
            await table.Queue.ReleaseAsync(message!);
        }
        return job;
    }

    /// <summary>A sweep as another process would run it, with queue and tracker objects of its own.</summary>
    private static DeadLetterSweep Sweep(QueuedIngestTable table) =>
        IngestDeadLetters.Sweep(FileJobQueue.InInstance(table.Instance.Root!, QueueNames.Ingest, 3, table.Time),
            new FileJobTracker(Path.Combine(table.Instance.Root!, "trackers", "ingest")),
            (job, ct) => table.Instance.OpenTableByIdAsync(job.TableId!, ct), table.Time, "sweeper");

    [Fact]
    public async Task Sweeps_racing_over_the_same_dead_letters_record_each_job_dead_lettered_exactly_once_with_its_last_failure()
    {
        using var table = await QueuedIngestTable.CreateAsync();
        var jobs = new[] { await DeadLetterAsync(table, "the disk filled"), await DeadLetterAsync(table, "bad row") };
        Assert.Null(await table.Queue.ReceiveAsync(QueuedIngestTable.Visibility));
        Assert.Equal(2, (await table.Queue.GetDeadLettersAsync()).Count);
        const int Sweeps = 4;
        var start = new Barrier(Sweeps);

        var results = await Task.WhenAll(Enumerable.Range(0, Sweeps).Select(_ => Task.Run(() =>
        {
            var sweep = Sweep(table);
            start.SignalAndWait();
            return sweep.RunAsync();
        })));

        Assert.Equal(2, results.Sum(r => r.Reported));
        Assert.All(results, r => Assert.Empty(r.Deferred));
        var dead = (await table.Tracker.ReadJobEventsAsync(table.Table.Id)).Where(e => e.Kind == JobEventKind.DeadLettered).ToList();
        Assert.Equal(jobs.Select(j => j.Id).Order(StringComparer.Ordinal), dead.Select(e => e.JobId).Order(StringComparer.Ordinal));
        Assert.Equal("dead-lettered after 3 attempts; last failure: the disk filled 3", dead.Single(e => e.JobId == jobs[0].Id).Reason);
        Assert.All(dead, e => Assert.Equal("sweeper", e.TaskId));
        var status = await table.StatusAsync(jobs[1]);
        Assert.Equal(("failed", "dead-lettered after 3 attempts; last failure: bad row 3"), (status.State, status.FailureReason));
        Assert.Equal(0, (await Sweep(table).RunAsync()).Reported);
    }

    [Fact]
    public async Task A_dead_letter_found_by_a_worker_that_never_ran_its_job_is_reported_once_when_the_worker_starts()
    {
        using var table = await QueuedIngestTable.CreateAsync();
        var job = await DeadLetterAsync(table, "killed");
        Assert.Null(await table.Queue.ReceiveAsync(QueuedIngestTable.Visibility));

        var first = await table.Worker().RunAsync(TimeSpan.Zero);
        var second = await table.Worker().RunAsync(TimeSpan.Zero);

        Assert.Equal((0, 0, 0), (first.JobsRun, first.JobsFailed, first.JobsDeadLettered));
        Assert.Equal((0, 0, 0), (second.JobsRun, second.JobsFailed, second.JobsDeadLettered));
        Assert.Single(await table.EventsAsync(job), e => e.Kind == JobEventKind.DeadLettered);
        Assert.Equal("failed", (await table.StatusAsync(job)).State);
    }
}
