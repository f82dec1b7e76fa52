using Sleeper.Core.Jobs;
using Sleeper.Core.Tracking;

namespace Sleeper.Postgres.Tests;

/// <summary>
/// The sweep of dead letters on the distributed backends: sweeps racing from separate connection pools, as separate
/// processes would, over a PostgreSQL queue and tracker record each dead-lettered job exactly once.
/// </summary>
public sealed class PostgresDeadLetterSweepTest : IAsyncLifetime
{
    private readonly TestSchema _schema = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _schema.DisposeAsync();

    [Fact]
    public async Task Sweeps_racing_from_separate_pools_record_each_dead_lettered_job_exactly_once()
    {
        var queue = new PostgresJobQueue(_schema.Database, "ingest", maxReceiveCount: 1);
        var jobs = Enumerable.Range(0, 5).Select(i => $"job-{i}").ToList();
        foreach (var job in jobs)
        {
            await queue.SendAsync(job);
        }
        while (await queue.ReceiveAsync(TimeSpan.FromMinutes(1)) is { } message)
        {
            await queue.ReleaseAsync(message);
        }
        Assert.Equal(jobs, (await queue.GetDeadLettersAsync()).Select(l => l.Body));
        const int Sweeps = 4;
        var databases = Enumerable.Range(0, Sweeps).Select(_ => new PostgresDatabase(_schema.ConnectionString, _schema.Name)).ToList();
        var start = new Barrier(Sweeps);

        try
        {
            var results = await Task.WhenAll(databases.Select(db => Task.Run(() =>
            {
                var sweep = new DeadLetterSweep(new PostgresJobQueue(db, "ingest", maxReceiveCount: 1), new PostgresJobTracker(db), new BodyIsJobId());
                start.SignalAndWait();
                return sweep.RunAsync();
            })));

            Assert.Equal(jobs.Count, results.Sum(r => r.Reported));
            Assert.All(results, r => Assert.Empty(r.Deferred));
        }
        finally
        {
            foreach (var db in databases)
            {
                await db.DisposeAsync();
            }
        }
        var events = await new PostgresJobTracker(_schema.Database).ReadJobEventsAsync("t");
        Assert.Equal(jobs, events.Select(e => e.JobId).Order(StringComparer.Ordinal));
        Assert.All(events, e => Assert.Equal((JobEventKind.DeadLettered, "dead-lettered after 1 attempt"), (e.Kind, e.Reason)));
    }

    /// <summary>Dead letters whose body is their job's id, all of table "t", holding nothing.</summary>
    private sealed class BodyIsJobId : IDeadLetterHandler
    {
        public Task<DeadLetteredJob?> ReadAsync(QueuedMessage letter, CancellationToken cancellationToken) =>
            Task.FromResult<DeadLetteredJob?>(new DeadLetteredJob("t", letter.Body, null, letter));

        public Task<string?> SettleAsync(DeadLetteredJob job, CancellationToken cancellationToken) => Task.FromResult<string?>(null);
    }
}
