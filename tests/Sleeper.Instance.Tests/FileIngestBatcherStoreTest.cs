using Microsoft.Extensions.Time.Testing;
using Sleeper.Core;
using Sleeper.Core.Ingest.Batcher;
using Sleeper.Core.Jobs;

namespace Sleeper.Instance.Tests;

public sealed class FileIngestBatcherStoreTest : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);

    private readonly string _folder = Path.Combine(Path.GetTempPath(), "sleeper-batcher-test-" + Guid.NewGuid().ToString("N")[..8]);

    public void Dispose()
    {
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    /// <summary>A store of its own over the shared folder, as another process would open it.</summary>
    private FileIngestBatcherStore Store() => FileIngestBatcherStore.InInstance(_folder);

    private static FileIngestRequest File(string name, string table = "t1", int second = 0) => new($"/data/{name}", 10, table, T0.AddSeconds(second));

    private static IngestBatcherJob Job(string id, IReadOnlyList<FileIngestRequest> files) => new(id, files[0].TableId, QueueNames.Ingest, files, T0);

    [Fact]
    public async Task Files_and_jobs_survive_reopening_and_a_file_added_twice_while_pending_is_kept_once()
    {
        var store = Store();
        Assert.Equal(2, (await store.AddFilesAsync("t1", [File("a"), File("b")])).Count);
        Assert.True(await store.TryAssignJobsAsync("t1", [Job("j1", [File("a")])]));
        await store.MarkJobsSentAsync("t1", ["j1"], T0.AddSeconds(3));

        var reopened = Store();
        Assert.Empty(await reopened.AddFilesAsync("t1", [File("b", second: 7)]));
        Assert.Equal([File("b")], await reopened.GetPendingFilesAsync("t1"));
        var job = Assert.Single(await reopened.GetJobsAsync("t1"));
        Assert.Equal(("j1", T0.AddSeconds(3)), (job.JobId, job.SentTime));
        Assert.Equal([File("a")], job.Files);
    }

    [Fact]
    public async Task Tables_are_kept_apart()
    {
        var store = Store();
        await store.AddFilesAsync("t1", [File("a", "t1")]);
        await store.AddFilesAsync("t2", [File("a", "t2"), File("b", "t2")]);

        Assert.Equal([File("a", "t1")], await Store().GetPendingFilesAsync("t1"));
        Assert.Equal(2, (await Store().GetPendingFilesAsync("t2")).Count);
        Assert.Empty(await Store().GetPendingFilesAsync("t3"));
        await Assert.ThrowsAsync<ArgumentException>(() => store.AddFilesAsync("t1", [File("c", "t2")]));
    }

    [Fact]
    public async Task Two_batchers_claiming_the_same_pending_files_at_once_never_both_win()
    {
        for (var round = 0; round < 20; round++)
        {
            var table = $"t{round}";
            var files = Enumerable.Range(0, 5).Select(i => File($"f{i}", table)).ToList();
            await Store().AddFilesAsync(table, files);
            var batchers = new[] { Store(), Store() };
            // Both plan from the same view of the pending files, as two processes would.
            foreach (var batcher in batchers)
            {
                Assert.Equal(5, (await batcher.GetPendingFilesAsync(table)).Count);
            }
            using var start = new Barrier(2);
            var wins = await Task.WhenAll(batchers.Select((b, i) => Task.Run(() =>
            {
                start.SignalAndWait();
                return b.TryAssignJobsAsync(table, [Job($"job-{i}-a", files[..3]), Job($"job-{i}-b", files[3..])]);
            })));

            Assert.Single(wins, won => won);
            var jobs = await Store().GetJobsAsync(table);
            Assert.Equal(2, jobs.Count);
            Assert.Equal(files.Select(f => f.File).Order(), jobs.SelectMany(j => j.Files).Select(f => f.File).Order());
            Assert.Single(jobs.Select(j => j.JobId[..5]).Distinct());
            Assert.Empty(await Store().GetPendingFilesAsync(table));
        }
    }

    [Fact]
    public async Task Snapshots_bound_the_log_and_drop_jobs_sent_long_ago_but_keep_pending_files_and_unsent_jobs()
    {
        var time = new FakeTimeProvider(T0);
        FileIngestBatcherStore Trimming() => new(Path.Combine(_folder, "batcher"), time)
        {
            SnapshotEveryEntries = 4,
            KeepSentJobsFor = TimeSpan.FromHours(1),
            DeleteBehindSnapshotsAfter = TimeSpan.FromMinutes(10),
        };
        var logFolder = Path.Combine(_folder, "batcher", "t1", "log");
        var store = Trimming();
        await store.AddFilesAsync("t1", [File("old-sent"), File("old-unsent"), File("pending")]);
        Assert.True(await store.TryAssignJobsAsync("t1", [Job("sent", [File("old-sent")]), Job("unsent", [File("old-unsent")])]));
        await store.MarkJobsSentAsync("t1", ["sent"], T0);

        // Two hours on, a busy table: every entry is a new file batched and sent at once.
        time.Advance(TimeSpan.FromHours(2));
        for (var i = 0; i < 40; i++)
        {
            var file = File($"f{i}");
            await store.AddFilesAsync("t1", [file]);
            Assert.True(await store.TryAssignJobsAsync("t1", [Job($"j{i}", [file])]));
            await store.MarkJobsSentAsync("t1", [$"j{i}"], time.GetUtcNow());
            time.Advance(TimeSpan.FromMinutes(1));
        }

        // 123 entries written, three a minute at the end; only those since a snapshot at least ten minutes old remain,
        // and only the snapshots since that one.
        Assert.InRange(Directory.GetFiles(logFolder).Length, 1, (3 * 11) + 4);
        Assert.InRange(Directory.GetFiles(Path.Combine(_folder, "batcher", "t1", "snapshots")).Length, 1, (3 * 11 / 4) + 2);
        foreach (var reader in new[] { store, Trimming() })
        {
            Assert.Equal([File("pending")], await reader.GetPendingFilesAsync("t1"));
            var jobs = await reader.GetJobsAsync("t1");
            Assert.DoesNotContain(jobs, j => j.JobId == "sent");
            Assert.Contains(jobs, j => j.JobId == "unsent" && j.SentTime is null);
            Assert.Contains(jobs, j => j.JobId == "j39");
        }

        // A fresh store appends after the snapshot and its entries, not into the numbers deleted behind it.
        var fresh = Trimming();
        Assert.True(await fresh.TryAssignJobsAsync("t1", [Job("last", [File("pending")])]));
        Assert.Empty(await Trimming().GetPendingFilesAsync("t1"));
        Assert.Contains(await store.GetJobsAsync("t1"), j => j.JobId == "last");
    }

    [Fact]
    public async Task A_malformed_log_file_is_an_error_naming_it()
    {
        await Store().AddFilesAsync("t1", [File("a")]);
        var path = Path.Combine(_folder, "batcher", "t1", "log", "0000000000000000002.json");
        await System.IO.File.WriteAllTextAsync(path, "{\"tableId\":\"t1\",\"time\":\"2026-01-01T00:00:00Z\",\"type\":\"Nonsense\"}");

        var e = await Assert.ThrowsAsync<SleeperException>(() => Store().GetPendingFilesAsync("t1"));
        Assert.Contains(path, e.Message, StringComparison.Ordinal);
        Assert.Contains("Nonsense", e.Message, StringComparison.Ordinal);
    }
}
