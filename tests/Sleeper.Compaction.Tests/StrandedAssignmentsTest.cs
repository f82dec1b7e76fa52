using Microsoft.Extensions.Time.Testing;
using Sleeper.Core;
using Sleeper.Core.Compaction;
using Sleeper.Core.Jobs;
using Sleeper.Core.Properties;
using Sleeper.Core.Tracking;
using Sleeper.Jobs;

namespace Sleeper.Compaction.Tests;

/// <summary>
/// No compaction input is stranded: a creator killed while sending, a message lost, or a job dead-lettered where
/// the worker never hears of it, each leave the files assigned to a job nothing will run; the next round of job
/// creation (or the table check's repair) sends the job again or releases its files.
/// </summary>
public sealed class StrandedAssignmentsTest
{
    private static readonly object[] SplitPoints = ["c", "f", "i", "l", "o", "r", "u"];

    private static async Task<TestTable> TableWithLeavesAsync(int filesPerLeaf = 2)
    {
        var table = await TestTable.CreateAsync(splitPoints: SplitPoints);
        for (var f = 0; f < filesPerLeaf; f++)
        {
            await table.IngestAsync(Enumerable.Range(0, 26).Select(i => new Row([$"{(char)('a' + i)}{f}", (long)i, $"v{f}"])));
        }
        return table;
    }

    private static async Task<HashSet<string>> AssignedJobIdsAsync(TestTable table) =>
        (await table.ReferencesAsync()).Where(r => r.JobId is not null).Select(r => r.JobId!).ToHashSet(StringComparer.Ordinal);

    private static async Task<HashSet<string>> QueuedJobIdsAsync(FileJobQueue queue) =>
        (await queue.ListBodiesAsync()).Select(b => CompactionJobSerDe.FromJson(b).JobId).ToHashSet(StringComparer.Ordinal);

    private static async Task AssertOneFilePerLeafAsync(TestTable table)
    {
        var references = await table.ReferencesAsync();
        Assert.All(references, r => Assert.Null(r.JobId));
        Assert.All(references.GroupBy(r => r.PartitionId), g => Assert.Single(g));
    }

    [Fact]
    public async Task A_creator_killed_while_sending_its_jobs_leaves_no_file_assigned_to_a_job_that_no_message_names()
    {
        using var table = await TableWithLeavesAsync();
        var before = await CompactionModel.ContentsAsync(table.Table);
        var queue = QueuedCompaction.Queue(table.Instance);
        var dying = new DyingQueue(queue, sendsBeforeDeath: 3);

        await Assert.ThrowsAsync<ProcessKilledException>(() =>
            new CompactionJobDispatcher(dying, table.Instance.CompactionTracker, table.Instance.Time).CreateJobsAsync(table.Table, new ForcedCompactionStrategy()));

        Assert.Empty((await AssignedJobIdsAsync(table)).Except(await QueuedJobIdsAsync(queue)));

        // The next round and a worker finish the work: every leaf ends with one file and every row is kept.
        await new CompactionJobDispatcher(queue, table.Instance.CompactionTracker, table.Instance.Time).CreateJobsAsync(table.Table, new ForcedCompactionStrategy());
        var result = await QueuedCompaction.Worker(table.Instance, queue).RunAsync(TimeSpan.Zero);
        Assert.Equal(0, result.JobsFailed);
        await AssertOneFilePerLeafAsync(table);
        Assert.Equal(before, await CompactionModel.ContentsAsync(table.Table));
        Assert.Equal(new QueueDepth(0, 0, 0), await queue.GetDepthAsync());
    }

    [Fact]
    public async Task A_job_whose_message_was_sent_but_whose_assignment_never_committed_is_assigned_and_run_by_the_worker()
    {
        using var table = await TableWithLeavesAsync();
        var before = await CompactionModel.ContentsAsync(table.Table);
        var queue = QueuedCompaction.Queue(table.Instance);
        var leaf = await table.LeafContainingAsync("a");
        var files = (await table.ReferencesAsync()).Where(r => r.PartitionId == leaf.Id).Select(r => r.Filename).ToList();
        var job = table.NewJob("never-assigned", leaf.Id, files);
        await queue.SendAsync(CompactionJobSerDe.ToJson(job));

        var result = await QueuedCompaction.Worker(table.Instance, queue).RunAsync(TimeSpan.Zero);

        Assert.Equal((1, 0), (result.JobsRun, result.JobsFailed));
        var reference = Assert.Single(await table.ReferencesAsync(), r => r.PartitionId == leaf.Id);
        Assert.Equal(job.OutputFile, reference.Filename);
        Assert.Equal(before, await CompactionModel.ContentsAsync(table.Table));
        Assert.Equal("committed", (await QueuedCompaction.StatusAsync(table.Instance, job)).State);
    }

    [Fact]
    public async Task A_job_whose_assignment_never_committed_and_whose_files_another_job_took_is_dropped()
    {
        using var table = await TableWithLeavesAsync();
        var queue = QueuedCompaction.Queue(table.Instance);
        var leaf = await table.LeafContainingAsync("a");
        var files = (await table.ReferencesAsync()).Where(r => r.PartitionId == leaf.Id).Select(r => r.Filename).ToList();
        var obsolete = table.NewJob("never-assigned", leaf.Id, files);
        await table.AssignJobAsync(leaf.Id, files, "the-other-job");
        await queue.SendAsync(CompactionJobSerDe.ToJson(obsolete));

        var result = await QueuedCompaction.Worker(table.Instance, queue).RunAsync(TimeSpan.Zero);

        Assert.Equal((0, 0), (result.JobsRun, result.JobsFailed));
        Assert.Equal(new QueueDepth(0, 0, 0), await queue.GetDepthAsync());
        Assert.All((await table.ReferencesAsync()).Where(r => r.PartitionId == leaf.Id), r => Assert.Equal("the-other-job", r.JobId));
        var status = await QueuedCompaction.StatusAsync(table.Instance, obsolete);
        Assert.Equal("failed", status.State);
        // Its plan lost a race for the files: recorded as superseded, which is not published as a failure.
        Assert.StartsWith(JobEventReasons.Superseded, status.FailureReason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Files_assigned_to_a_job_whose_message_was_lost_are_reported_after_the_timeout_and_the_repair_sends_the_job_again()
    {
        using var table = await TableWithLeavesAsync();
        var before = await CompactionModel.ContentsAsync(table.Table);
        var queue = QueuedCompaction.Queue(table.Instance);
        var leaf = await table.LeafContainingAsync("a");
        var files = (await table.ReferencesAsync()).Where(r => r.PartitionId == leaf.Id).Select(r => r.Filename).ToList();
        var lost = await table.AssignJobAsync(leaf.Id, files, "lost-job");
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var check = new StrandedAssignmentsCheck(queue, table.Instance.CompactionTracker, clock);

        Assert.Empty(await check.RunAsync(table.Table));
        clock.Advance(TimeSpan.FromMinutes(table.Table.Properties.GetInt(TableProperty.CompactionJobStrandedTimeoutMinutes)));
        var problem = Assert.Single(await check.RunAsync(table.Table));
        Assert.Equal(("stranded-assignment", "lost-job", true), (problem.Kind, problem.Subject, problem.Repairable));
        Assert.Contains(leaf.Id, problem.Detail, StringComparison.Ordinal);

        Assert.Equal(1, await check.RepairAsync(table.Table, [problem]));
        Assert.Equal(["lost-job"], await QueuedJobIdsAsync(queue));
        Assert.Empty(await check.RunAsync(table.Table));
        var result = await QueuedCompaction.Worker(table.Instance, queue).RunAsync(TimeSpan.Zero);

        Assert.Equal((1, 0), (result.JobsRun, result.JobsFailed));
        Assert.Single(await table.ReferencesAsync(), r => r.PartitionId == leaf.Id);
        Assert.Equal(before, await CompactionModel.ContentsAsync(table.Table));
        Assert.Equal("committed", (await QueuedCompaction.StatusAsync(table.Instance, lost)).State);
    }

    [Fact]
    public async Task A_job_waiting_in_the_queue_is_never_stranded_however_long_it_waits()
    {
        using var table = await TableWithLeavesAsync();
        var queue = QueuedCompaction.Queue(table.Instance);
        await new CompactionJobDispatcher(queue, table.Instance.CompactionTracker, table.Instance.Time).CreateJobsAsync(table.Table, new ForcedCompactionStrategy());
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow + TimeSpan.FromDays(1));

        Assert.Empty(await new StrandedAssignmentsCheck(queue, table.Instance.CompactionTracker, clock).RunAsync(table.Table));
    }

    [Fact]
    public async Task The_files_of_a_job_dead_lettered_where_no_worker_heard_of_it_are_released_by_the_next_round_of_job_creation()
    {
        // As on SQS, where the server moves a message to the dead letters and no worker is told.
        using var table = await TableWithLeavesAsync();
        var before = await CompactionModel.ContentsAsync(table.Table);
        var queue = QueuedCompaction.Queue(table.Instance, maxReceiveCount: 1);
        var dispatcher = new CompactionJobDispatcher(queue, table.Instance.CompactionTracker, table.Instance.Time);
        var jobs = (await dispatcher.CreateJobsAsync(table.Table, new ForcedCompactionStrategy())).Jobs;
        for (var i = 0; i < 4 * jobs.Count && (await queue.GetDeadLettersAsync()).Count < jobs.Count; i++)
        {
            if (await queue.ReceiveAsync(TimeSpan.FromMinutes(1)) is { } message)
            {
                await queue.ReleaseAsync(message);
            }
        }
        Assert.Equal(jobs.Count, (await queue.GetDeadLettersAsync()).Count);
        Assert.Equal(jobs.Count, (await AssignedJobIdsAsync(table)).Count);

        var round = await dispatcher.CreateJobsAsync(table.Table, new ForcedCompactionStrategy());

        Assert.Equal(jobs.Count, round.Released);
        Assert.All(round.Stranded, s => Assert.True(s.DeadLettered));
        // And the round reports each of them once, as no worker did.
        var dead = (await table.Instance.CompactionTracker.ReadJobEventsAsync(table.Table.Id)).Where(e => e.Kind == JobEventKind.DeadLettered).ToList();
        Assert.Equal(jobs.Select(j => j.JobId).Order(StringComparer.Ordinal), dead.Select(e => e.JobId).Order(StringComparer.Ordinal));
        Assert.Equal(jobs.Count, round.Jobs.Count);
        var result = await QueuedCompaction.Worker(table.Instance, queue).RunAsync(TimeSpan.Zero);
        Assert.Equal(jobs.Count, result.JobsRun);
        await AssertOneFilePerLeafAsync(table);
        Assert.Equal(before, await CompactionModel.ContentsAsync(table.Table));
    }

    private sealed class ProcessKilledException() : Exception("The process was killed.");

    /// <summary>The embedded queue, as seen by a process that is killed on its next send after a few.</summary>
    private sealed class DyingQueue(FileJobQueue inner, int sendsBeforeDeath) : IListableJobQueue
    {
        private int _sends;

        public string Name => inner.Name;

        public Task<string> SendAsync(string body, CancellationToken cancellationToken = default) =>
            ++_sends > sendsBeforeDeath ? throw new ProcessKilledException() : inner.SendAsync(body, cancellationToken);

        public Task<QueuedMessage?> ReceiveAsync(TimeSpan visibilityTimeout, CancellationToken cancellationToken = default) =>
            inner.ReceiveAsync(visibilityTimeout, cancellationToken);

        public Task<bool> DeleteAsync(QueuedMessage message, CancellationToken cancellationToken = default) => inner.DeleteAsync(message, cancellationToken);

        public Task ReleaseAsync(QueuedMessage message, CancellationToken cancellationToken = default) => inner.ReleaseAsync(message, cancellationToken);

        public Task<bool> ExtendVisibilityAsync(QueuedMessage message, TimeSpan visibilityTimeout, CancellationToken cancellationToken = default) =>
            inner.ExtendVisibilityAsync(message, visibilityTimeout, cancellationToken);

        public Task<IReadOnlyList<QueuedMessage>> GetDeadLettersAsync(CancellationToken cancellationToken = default) => inner.GetDeadLettersAsync(cancellationToken);

        public Task<QueueDepth> GetDepthAsync(CancellationToken cancellationToken = default) => inner.GetDepthAsync(cancellationToken);


        public Task<string?> RedriveAsync(string messageId, string? body = null, CancellationToken cancellationToken = default) => inner.RedriveAsync(messageId, body, cancellationToken);

        public Task<IReadOnlyList<string>> ListBodiesAsync(CancellationToken cancellationToken = default) => inner.ListBodiesAsync(cancellationToken);
    }
}
