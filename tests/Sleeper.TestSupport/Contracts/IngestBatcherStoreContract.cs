using Sleeper.Core.Ingest.Batcher;
using Xunit;

namespace Sleeper.TestSupport.Contracts;

/// <summary>
/// What every <see cref="IIngestBatcherStore"/> backend must do, run against each by a small subclass in the
/// backend's own test project: files pending once per table with their first received time, in arrival order;
/// jobs assigned all or nothing, only from files still pending as the same request; and two batchers racing for
/// the same files never putting one file in two jobs.
/// </summary>
public abstract class IngestBatcherStoreContract
{
    // Not on a whole microsecond: a store must give back the very request it was given.
    private static readonly DateTimeOffset T0 = new DateTimeOffset(2026, 1, 1, 12, 0, 0, TimeSpan.Zero).AddTicks(1234567);

    /// <summary>A store over the backend's record; two calls reach the same record through new objects, as another process would.</summary>
    protected abstract IIngestBatcherStore OpenStore();

    private static FileIngestRequest File(string name, string table = "t1", int second = 0, long size = 10) => new($"/data/{name}", size, table, T0.AddSeconds(second));

    private static IngestBatcherJob Job(string id, IReadOnlyList<FileIngestRequest> files) => new(id, files[0].TableId, "ingest", files, T0.AddMinutes(1));

    [Fact]
    public async Task An_empty_store_has_nothing_pending_and_no_jobs()
    {
        Assert.Empty(await OpenStore().GetPendingFilesAsync("t1"));
        Assert.Empty(await OpenStore().GetJobsAsync("t1"));
    }

    [Fact]
    public async Task Pending_files_come_back_in_arrival_order_and_a_file_given_twice_keeps_its_first_request()
    {
        var store = OpenStore();
        var added = await store.AddFilesAsync("t1", [File("c", second: 1), File("a", second: 2), File("c", second: 3, size: 99)]);
        Assert.Equal([File("c", second: 1), File("a", second: 2)], added);

        var again = await OpenStore().AddFilesAsync("t1", [File("a", second: 9, size: 5), File("b", second: 9)]);

        Assert.Equal([File("b", second: 9)], again);
        Assert.Equal([File("c", second: 1), File("a", second: 2), File("b", second: 9)], await OpenStore().GetPendingFilesAsync("t1"));
        Assert.Empty(await OpenStore().AddFilesAsync("t1", []));
    }

    [Fact]
    public async Task Tables_are_kept_apart_and_a_file_for_another_table_is_refused()
    {
        var store = OpenStore();
        await store.AddFilesAsync("t1", [File("a", "t1")]);
        await store.AddFilesAsync("t2", [File("a", "t2"), File("b", "t2")]);

        Assert.Equal([File("a", "t1")], await OpenStore().GetPendingFilesAsync("t1"));
        Assert.Equal([File("a", "t2"), File("b", "t2")], await OpenStore().GetPendingFilesAsync("t2"));
        await Assert.ThrowsAsync<ArgumentException>(() => store.AddFilesAsync("t1", [File("c", "t2")]));
        Assert.False(await store.TryAssignJobsAsync("t1", [Job("j", [File("a", "t2")])]));
        Assert.Equal(2, (await OpenStore().GetPendingFilesAsync("t2")).Count);
    }

    [Fact]
    public async Task Assigned_jobs_keep_their_files_in_order_leave_the_pending_set_and_are_marked_sent_once()
    {
        var store = OpenStore();
        await store.AddFilesAsync("t1", [File("a"), File("b"), File("c"), File("d")]);

        Assert.True(await store.TryAssignJobsAsync("t1", [Job("j1", [File("c"), File("a")]), Job("j2", [File("b")])]));
        await store.MarkJobsSentAsync("t1", ["j2", "unknown"], T0.AddMinutes(2));
        await OpenStore().MarkJobsSentAsync("t1", ["j2"], T0.AddMinutes(3));

        var reader = OpenStore();
        Assert.Equal([File("d")], await reader.GetPendingFilesAsync("t1"));
        var jobs = await reader.GetJobsAsync("t1");
        Assert.Equal(["j1", "j2"], jobs.Select(j => j.JobId));
        Assert.Equal([File("c"), File("a")], jobs[0].Files);
        Assert.Equal(("t1", "ingest", T0.AddMinutes(1), (DateTimeOffset?)null), (jobs[0].TableId, jobs[0].Queue, jobs[0].CreatedTime, jobs[0].SentTime));
        Assert.Equal([File("b")], jobs[1].Files);
        Assert.Equal(T0.AddMinutes(2), jobs[1].SentTime);
        Assert.Empty(await reader.GetJobsAsync("t2"));
    }

    [Fact]
    public async Task An_assignment_that_cannot_be_made_whole_changes_nothing()
    {
        var store = OpenStore();
        await store.AddFilesAsync("t1", [File("a"), File("b"), File("c")]);
        Assert.True(await store.TryAssignJobsAsync("t1", [Job("done", [File("c")])]));

        // A file not pending (already batched, or never added).
        Assert.False(await store.TryAssignJobsAsync("t1", [Job("j1", [File("a")]), Job("j2", [File("c")])]));
        Assert.False(await store.TryAssignJobsAsync("t1", [Job("j1", [File("a"), File("x")])]));
        // A file pending as another request than the one planned with.
        Assert.False(await store.TryAssignJobsAsync("t1", [Job("j1", [File("a"), File("b", second: 5)])]));
        Assert.False(await store.TryAssignJobsAsync("t1", [Job("j1", [File("a"), File("b", size: 11)])]));
        // A job id already used, or given twice, or one file in two jobs.
        Assert.False(await store.TryAssignJobsAsync("t1", [Job("done", [File("a")])]));
        Assert.False(await store.TryAssignJobsAsync("t1", [Job("j1", [File("a")]), Job("j1", [File("b")])]));
        Assert.False(await store.TryAssignJobsAsync("t1", [Job("j1", [File("a"), File("b")]), Job("j2", [File("b")])]));

        var reader = OpenStore();
        Assert.Equal([File("a"), File("b")], await reader.GetPendingFilesAsync("t1"));
        Assert.Equal(["done"], (await reader.GetJobsAsync("t1")).Select(j => j.JobId));
        Assert.True(await reader.TryAssignJobsAsync("t1", [Job("j1", [File("a"), File("b")])]));
    }

    [Fact]
    public async Task A_batched_file_submitted_again_is_a_new_request()
    {
        var store = OpenStore();
        await store.AddFilesAsync("t1", [File("a")]);
        Assert.True(await store.TryAssignJobsAsync("t1", [Job("j1", [File("a")])]));

        Assert.Equal([File("a", second: 60)], await OpenStore().AddFilesAsync("t1", [File("a", second: 60)]));

        Assert.False(await store.TryAssignJobsAsync("t1", [Job("j2", [File("a")])]));
        Assert.True(await store.TryAssignJobsAsync("t1", [Job("j2", [File("a", second: 60)])]));
        var jobs = await OpenStore().GetJobsAsync("t1");
        Assert.Equal([[File("a")], [File("a", second: 60)]], jobs.Select(j => j.Files.ToList()));
    }

    [Fact]
    public async Task Two_batchers_racing_for_the_same_pending_files_put_each_in_exactly_one_job()
    {
        for (var round = 0; round < 10; round++)
        {
            var table = $"race{round}";
            var files = Enumerable.Range(0, 5).Select(i => File($"f{i}", table)).ToList();
            await OpenStore().AddFilesAsync(table, files);
            var batchers = new[] { OpenStore(), OpenStore() };
            // Both plan from the same view of the pending files, as two processes would; the second in the other order.
            foreach (var batcher in batchers)
            {
                Assert.Equal(5, (await batcher.GetPendingFilesAsync(table)).Count);
            }
            var plans = new[]
            {
                new[] { Job($"job-0-a-{round}", files[..3]), Job($"job-0-b-{round}", files[3..]) },
                new[] { Job($"job-1-a-{round}", [.. files[2..].AsEnumerable().Reverse()]), Job($"job-1-b-{round}", files[..2]) },
            };
            using var start = new Barrier(2);
            var wins = await Task.WhenAll(batchers.Select((b, i) => Task.Run(() =>
            {
                start.SignalAndWait();
                return b.TryAssignJobsAsync(table, plans[i]);
            })));

            Assert.Single(wins, won => won);
            var jobs = await OpenStore().GetJobsAsync(table);
            Assert.Equal(2, jobs.Count);
            Assert.Equal(files.Select(f => f.File).Order(), jobs.SelectMany(j => j.Files).Select(f => f.File).Order());
            Assert.Single(jobs.Select(j => j.JobId[..5]).Distinct());
            Assert.Empty(await OpenStore().GetPendingFilesAsync(table));
        }
    }

    [Fact]
    public async Task Files_added_while_two_batchers_keep_batching_each_end_up_in_exactly_one_job()
    {
        const int Rounds = 30;
        var adding = true;
        async Task Add()
        {
            var store = OpenStore();
            for (var i = 0; i < Rounds; i++)
            {
                await store.AddFilesAsync("t1", [File($"f{i}"), File($"g{i}")]);
            }
            Volatile.Write(ref adding, false);
        }
        async Task Batch(string name)
        {
            var store = OpenStore();
            var jobNumber = 0;
            while (Volatile.Read(ref adding) || (await store.GetPendingFilesAsync("t1")).Count > 0)
            {
                var pending = await store.GetPendingFilesAsync("t1");
                if (pending.Count > 0)
                {
                    // Jobs of up to three files, so a claim covers several files and can lose on any of them.
                    var jobs = pending.Chunk(3).Select(c => Job($"{name}-{++jobNumber}", c)).ToList();
                    await store.TryAssignJobsAsync("t1", jobs);
                }
            }
        }

        await Task.WhenAll(Task.Run(Add), Task.Run(() => Batch("x")), Task.Run(() => Batch("y")));

        var batched = (await OpenStore().GetJobsAsync("t1")).SelectMany(j => j.Files).Select(f => f.File).ToList();
        Assert.Equal(2 * Rounds, batched.Count);
        Assert.Equal(2 * Rounds, batched.Distinct().Count());
    }
}
