using Sleeper.Core;
using Sleeper.Core.Compaction;
using Sleeper.Core.Jobs;
using Sleeper.Core.Tracking;
using Sleeper.Instance;
using Sleeper.Jobs;

namespace Sleeper.Compaction.Tests;

/// <summary>
/// The sweep of the compaction dead letters, which works from the dead letters alone because no queue tells anyone
/// of one (SQS moves it on the server): every dead-lettered job's files are released and its end recorded once,
/// however many sweeps run at once and wherever one of them died.
/// </summary>
public sealed class CompactionDeadLettersTest
{
    private static readonly object[] SplitPoints = ["h", "p"];

    /// <summary>A table of three leaves, two files each, whose compaction jobs were created and then dead-lettered with no worker told.</summary>
    private static async Task<(TestTable Table, FileJobQueue Queue, IReadOnlyList<CompactionJob> Jobs)> DeadLetteredJobsAsync()
    {
        var table = await TestTable.CreateAsync(splitPoints: SplitPoints);
        for (var f = 0; f < 2; f++)
        {
            await table.IngestAsync(Enumerable.Range(0, 26).Select(i => new Row([$"{(char)('a' + i)}{f}", (long)i, $"v{f}"])));
        }
        var queue = QueuedCompaction.Queue(table.Instance, maxReceiveCount: 1);
        var jobs = await QueuedCompaction.CreateAndSendAsync(table.Instance, table.Table, queue, new ForcedCompactionStrategy());
        Assert.Equal(3, jobs.Count);
        while (await queue.ReceiveAsync(TimeSpan.FromMinutes(1)) is { } message)
        {
            await queue.ReleaseAsync(message);
        }
        Assert.Equal(3, (await queue.GetDeadLettersAsync()).Count);
        Assert.Equal(6, (await table.ReferencesAsync()).Count(r => r.JobId is not null));
        return (table, queue, jobs);
    }

    private static async Task<List<JobEvent>> DeadLetteredEventsAsync(TestTable table) =>
        (await table.Instance.CompactionTracker.ReadJobEventsAsync(table.Table.Id)).Where(e => e.Kind == JobEventKind.DeadLettered).ToList();

    [Fact]
    public async Task Sweeps_racing_over_the_same_dead_letters_release_every_file_and_record_each_job_dead_lettered_exactly_once()
    {
        var (table, queue, jobs) = await DeadLetteredJobsAsync();
        using var _ = table;
        const int Sweeps = 4;
        var start = new Barrier(Sweeps);

        // Each as another process would have it: its own queue, tracker and table objects.
        var results = await Task.WhenAll(Enumerable.Range(0, Sweeps).Select(_ => Task.Run(() =>
        {
            var sweep = CompactionDeadLetters.Sweep(QueuedCompaction.Queue(table.Instance, maxReceiveCount: 1),
                new FileJobTracker(Path.Combine(table.Instance.Root!, "trackers", "compaction")),
                (id, ct) => table.Instance.OpenTableByIdAsync(id, ct), table.Instance.Time);
            start.SignalAndWait();
            return sweep.RunAsync();
        })));

        Assert.All(await table.ReferencesAsync(), r => Assert.Null(r.JobId));
        Assert.Equal(jobs.Count, results.Sum(r => r.Reported));
        Assert.All(results, r => Assert.Empty(r.Deferred));
        Assert.All(results, r => Assert.Equal(jobs.Count, r.Letters.Count));
        var events = await DeadLetteredEventsAsync(table);
        Assert.Equal(jobs.Select(j => j.JobId).Order(StringComparer.Ordinal), events.Select(e => e.JobId).Order(StringComparer.Ordinal));
        Assert.All(events, e => Assert.Equal(jobs.Single(j => j.JobId == e.JobId).PartitionId, e.PartitionId));
        Assert.All(events, e => Assert.Equal("dead-lettered after 1 attempt; none of its input files is assigned to it any more, so a later job can compact them", e.Reason));
        Assert.All(JobStatus.Fold(await table.Instance.CompactionTracker.ReadJobEventsAsync(table.Table.Id)), s => Assert.Equal("failed", s.State));

        // Swept again later, nothing changes; and the dead letters stay for the report.
        var again = await CompactionDeadLetters.Sweep(queue, table.Instance.CompactionTracker, (id, ct) => table.Instance.OpenTableByIdAsync(id, ct)).RunAsync();
        Assert.Equal((0, 3), (again.Reported, again.Letters.Count));
        Assert.Equal(jobs.Count, (await DeadLetteredEventsAsync(table)).Count);
        Assert.Equal(new QueueDepth(0, 0, 3), await queue.GetDepthAsync());
    }

    [Fact]
    public async Task A_sweep_that_dies_after_releasing_the_files_and_before_recording_leaves_the_job_to_the_next_sweep()
    {
        var (table, queue, jobs) = await DeadLetteredJobsAsync();
        using var _ = table;
        var unreachable = new RecordOnceFailsTracker(table.Instance.CompactionTracker);

        var dying = await CompactionDeadLetters.Sweep(queue, unreachable, (id, ct) => table.Instance.OpenTableByIdAsync(id, ct)).RunAsync();

        Assert.Equal(0, dying.Reported);
        Assert.Equal(jobs.Count, dying.Deferred.Count);
        Assert.All(await table.ReferencesAsync(), r => Assert.Null(r.JobId));
        Assert.Empty(await DeadLetteredEventsAsync(table));
        var next = await CompactionDeadLetters.Sweep(queue, table.Instance.CompactionTracker, (id, ct) => table.Instance.OpenTableByIdAsync(id, ct)).RunAsync();
        Assert.Equal((jobs.Count, 0), (next.Reported, next.Deferred.Count));
        Assert.Equal(jobs.Count, (await DeadLetteredEventsAsync(table)).Count);
    }

    [Fact]
    public async Task A_sweep_of_one_table_leaves_the_dead_letters_of_other_tables_alone()
    {
        var (table, queue, _) = await DeadLetteredJobsAsync();
        using var __ = table;

        var other = await CompactionDeadLetters.Sweep(queue, table.Instance.CompactionTracker, (_, _) => throw new InvalidOperationException("no table is opened"))
            .RunAsync("another-table");

        Assert.Equal((0, 0), (other.Letters.Count, other.Reported));
        Assert.Empty(await DeadLetteredEventsAsync(table));
        Assert.Equal(6, (await table.ReferencesAsync()).Count(r => r.JobId is not null));
    }

    [Fact]
    public async Task A_dead_letter_that_is_no_compaction_job_is_listed_but_nothing_is_recorded_for_it()
    {
        using var table = await TestTable.CreateAsync();
        var queue = QueuedCompaction.Queue(table.Instance, maxReceiveCount: 1);
        await queue.SendAsync("not a job");
        await queue.ReleaseAsync((await queue.ReceiveAsync(TimeSpan.FromMinutes(1)))!);
        Assert.Null(await queue.ReceiveAsync(TimeSpan.FromMinutes(1)));

        var swept = await CompactionDeadLetters.Sweep(queue, table.Instance.CompactionTracker, (id, ct) => table.Instance.OpenTableByIdAsync(id, ct)).RunAsync();

        Assert.Equal(("not a job", 0, 0), (Assert.Single(swept.Letters).Body, swept.Reported, swept.Deferred.Count));
        Assert.Empty(await table.Instance.CompactionTracker.ReadJobEventsAsync(null));
    }

    /// <summary>A tracker whose every record-once fails, as a process that dies just before it records would leave things.</summary>
    private sealed class RecordOnceFailsTracker(IJobTracker inner) : IJobTracker
    {
        public Task RecordAsync(JobEvent jobEvent, CancellationToken cancellationToken = default) => inner.RecordAsync(jobEvent, cancellationToken);

        public Task<bool> RecordOnceAsync(JobEvent jobEvent, CancellationToken cancellationToken = default) =>
            throw new SleeperException("The tracker is unreachable.");

        public Task RecordAsync(TaskEvent taskEvent, CancellationToken cancellationToken = default) => inner.RecordAsync(taskEvent, cancellationToken);

        public Task<IReadOnlyList<JobEvent>> ReadJobEventsAsync(string? tableId, CancellationToken cancellationToken = default) => inner.ReadJobEventsAsync(tableId, cancellationToken);

        public Task<IReadOnlyList<TaskEvent>> ReadTaskEventsAsync(CancellationToken cancellationToken = default) => inner.ReadTaskEventsAsync(cancellationToken);
    }
}
