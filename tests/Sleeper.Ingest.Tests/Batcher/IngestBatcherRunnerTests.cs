using System.Collections.Concurrent;
using Microsoft.Extensions.Time.Testing;
using Sleeper.Core.Ingest;
using Sleeper.Core.Ingest.Batcher;
using Sleeper.Core.Jobs;
using Sleeper.Core.Properties;
using Sleeper.Ingest.Batcher;
using Sleeper.Instance;
using Xunit;

namespace Sleeper.Ingest.Tests.Batcher;

public sealed class IngestBatcherRunnerTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);

    private readonly TempFolder _folder = new();
    private readonly FakeTimeProvider _time = new(T0);
    private readonly ConcurrentDictionary<string, RecordingQueue> _queues = new();

    public void Dispose() => _folder.Dispose();

    private FileIngestBatcherStore Store() => FileIngestBatcherStore.InInstance(_folder.Path, _time);

    private IngestBatcherRunner Runner(FileIngestBatcherStore? store = null) =>
        new(store ?? Store(), name => _queues.GetOrAdd(name, n => new RecordingQueue(n)), _time);

    private RecordingQueue Queue(string name) => _queues.GetOrAdd(name, n => new RecordingQueue(n));

    private static SleeperProperties Properties(int minFiles = 1, string queue = "standard_ingest", int maxFiles = 100)
    {
        var properties = SleeperProperties.ForTable();
        properties.Set(TableProperty.BatcherJobMinSize.Name, "1");
        properties.Set(TableProperty.BatcherJobMinFiles.Name, minFiles.ToString(System.Globalization.CultureInfo.InvariantCulture));
        properties.Set(TableProperty.BatcherJobMaxFiles.Name, maxFiles.ToString(System.Globalization.CultureInfo.InvariantCulture));
        properties.Set(TableProperty.BatcherIngestQueue.Name, queue);
        return properties;
    }

    private FileIngestRequest File(string name) => new($"/data/{name}", 100, "t1", _time.GetUtcNow());

    [Fact]
    public async Task A_job_is_recorded_then_sent_to_the_queue_the_table_names_and_marked_sent()
    {
        var store = Store();
        await store.AddFilesAsync("t1", [File("a")]);
        Assert.Empty((await Runner(store).RunAsync("t1", Properties(minFiles: 2))).Sent);
        Assert.Empty(Queue(QueueNames.Ingest).Bodies);

        await store.AddFilesAsync("t1", [File("b")]);
        var run = await Runner(store).RunAsync("t1", Properties(minFiles: 2));

        var job = Assert.Single(run.Sent);
        var message = IngestJobSerDe.IngestFromJson(Assert.Single(Queue(QueueNames.Ingest).Bodies));
        Assert.Equal((job.JobId, "t1"), (message.Id, message.TableId));
        Assert.Equal(["/data/a", "/data/b"], message.Files);
        Assert.Empty(await store.GetPendingFilesAsync("t1"));
        Assert.Equal(T0, Assert.Single(await Store().GetJobsAsync("t1")).SentTime);
    }

    [Fact]
    public async Task A_bulk_import_table_sends_bulk_import_jobs()
    {
        var store = Store();
        await store.AddFilesAsync("t1", [File("a"), File("b"), File("c")]);

        var run = await Runner(store).RunAsync("t1", Properties(queue: "bulk_import", maxFiles: 2));

        Assert.Equal(2, run.Sent.Count);
        Assert.Empty(Queue(QueueNames.Ingest).Bodies);
        Assert.Equal([["/data/a", "/data/b"], ["/data/c"]], Queue(QueueNames.BulkImport).Bodies.Select(b => IngestJobSerDe.BulkImportFromJson(b).Files));
    }

    [Fact]
    public async Task A_job_whose_message_was_never_sent_is_sent_again_with_its_id_by_a_later_round()
    {
        var store = Store();
        await store.AddFilesAsync("t1", [File("a")]);
        Queue(QueueNames.Ingest).FailNextSends = 1;

        var failed = await Runner(store).RunAsync("t1", Properties());

        var job = Assert.Single(failed.Failed).Job;
        Assert.Empty(failed.Sent);
        Assert.Null(Assert.Single(await store.GetJobsAsync("t1")).SentTime);
        Assert.Empty(await store.GetPendingFilesAsync("t1"));

        // Too soon: the batcher that made it may still be about to send it.
        _time.Advance(IngestBatcherRunner.DefaultResendUnsentAfter - TimeSpan.FromSeconds(1));
        Assert.Empty((await Runner().RunAsync("t1", Properties())).Resent);
        Assert.Empty(Queue(QueueNames.Ingest).Bodies);

        _time.Advance(TimeSpan.FromSeconds(1));
        var later = await Runner().RunAsync("t1", Properties());

        Assert.Equal(job.JobId, Assert.Single(later.Resent).JobId);
        var message = IngestJobSerDe.IngestFromJson(Assert.Single(Queue(QueueNames.Ingest).Bodies));
        Assert.Equal(job.JobId, message.Id);
        Assert.Equal(["/data/a"], message.Files);
        Assert.NotNull(Assert.Single(await Store().GetJobsAsync("t1")).SentTime);

        _time.Advance(TimeSpan.FromMinutes(5));
        Assert.Empty((await Runner().RunAsync("t1", Properties())).Resent);
        Assert.Single(Queue(QueueNames.Ingest).Bodies);
    }

    [Fact]
    public async Task Two_runners_at_once_send_each_file_in_exactly_one_job()
    {
        for (var round = 0; round < 10; round++)
        {
            _queues.Clear();
            var table = $"t{round}";
            var files = Enumerable.Range(0, 7).Select(i => File($"f{i}") with { TableId = table }).ToList();
            await Store().AddFilesAsync(table, files);

            var runs = await Task.WhenAll(Enumerable.Range(0, 2).Select(_ => Task.Run(() => Runner().RunAsync(table, Properties(maxFiles: 3)))));

            var sentFiles = Queue(QueueNames.Ingest).Bodies.SelectMany(b => IngestJobSerDe.IngestFromJson(b).Files).Order().ToList();
            Assert.Equal(files.Select(f => f.File).Order(), sentFiles);
            Assert.Equal(3, runs.Sum(r => r.Sent.Count));
        }
    }

    /// <summary>Keeps what is sent; can fail sends, standing in for a queue that is down or a process that dies before sending.</summary>
    private sealed class RecordingQueue(string name) : IJobQueue
    {
        private readonly ConcurrentQueue<string> _bodies = new();

        public string Name { get; } = name;

        public int FailNextSends { get; set; }

        public IReadOnlyList<string> Bodies => _bodies.ToList();

        public Task<string> SendAsync(string body, CancellationToken cancellationToken = default)
        {
            if (FailNextSends > 0)
            {
                FailNextSends--;
                throw new IOException($"Queue {Name} is unavailable.");
            }
            _bodies.Enqueue(body);
            return Task.FromResult(Guid.NewGuid().ToString());
        }

        public Task<QueuedMessage?> ReceiveAsync(TimeSpan visibilityTimeout, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<bool> DeleteAsync(QueuedMessage message, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task ReleaseAsync(QueuedMessage message, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<bool> ExtendVisibilityAsync(QueuedMessage message, TimeSpan visibilityTimeout, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<IReadOnlyList<QueuedMessage>> GetDeadLettersAsync(CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<QueueDepth> GetDepthAsync(CancellationToken cancellationToken = default) => throw new NotSupportedException();


        public Task<string?> RedriveAsync(string messageId, string? body = null, CancellationToken cancellationToken = default) => throw new NotSupportedException();
    }
}
