
using Sleeper.Compaction;
using Sleeper.Core;
using Sleeper.Core.Batches;
using Sleeper.Core.Compaction;
using Sleeper.Core.Ingest;
using Sleeper.Core.Iterators;
using Sleeper.Core.Jobs;
using Sleeper.Core.Keys;
using Sleeper.Core.Partitions;
using Sleeper.Core.Properties;
using Sleeper.Core.Query;
using Sleeper.Core.Schema;
using Sleeper.Core.StateStore.Transactions;
using Sleeper.Core.Tables;
using Sleeper.Core.Tracking;
using Sleeper.Ingest;
using Sleeper.Instance;

namespace Sleeper.Operations.Tests;

/// <summary>
/// sleeper jobs retry: dead-lettered jobs of each kind go back to their queue as new jobs that run correctly after
/// what the dead-letter sweep did to the old ones; a compaction job whose files moved on is refused.
/// </summary>
public sealed class JobRetryTest : IAsyncLifetime
{
    private static readonly TableSchema Schema = new([new Field("key", StringType.Instance)], [], [new Field("value", LongType.Instance)]);
    private static readonly TimeSpan Visibility = TimeSpan.FromMinutes(1);
    private readonly TempFolder _folder = new();
    private SleeperInstance _instance = null!;
    private SleeperTable _table = null!;

    public async Task InitializeAsync()
    {
        _instance = await EmbeddedInstance.CreateAsync(_folder.Combine("instance"));
        _table = await _instance.CreateTableAsync("t", Schema, SleeperProperties.ForTable(), PartitionsBuilder.SingleRoot(Schema));
    }

    public async Task DisposeAsync()
    {
        await _instance.DisposeAsync();
        _folder.Dispose();
    }

    private async Task<string> IngestAsync(params string[] keys)
    {
        var builder = new RecordBatchBuilder(Schema);
        foreach (var key in keys)
        {
            builder.Append(new Row([key, 1L]));
        }
        return Assert.Single((await new IngestRunner(_table).IngestBatchesAsync([builder.Build()])).References).Filename;
    }

    /// <summary>Sends a message and lets every attempt fail until the queue moves it to the dead letters.</summary>
    private async Task<string> DeadLetterAsync(string queueName, string body)
    {
        var queue = _instance.Queue(queueName);
        var id = await queue.SendAsync(body);
        while (await queue.ReceiveAsync(Visibility) is { } message)
        {
            await queue.ReleaseAsync(message);
        }
        Assert.Contains(await queue.GetDeadLettersAsync(), l => l.MessageId == id);
        return id;
    }

    /// <summary>A compaction job of both files, assigned and queued as job creation does, then dead-lettered.</summary>
    private async Task<CompactionJob> DeadCompactionJobAsync(params string[] files)
    {
        var job = new CompactionJob("job-1", _table.Id, _table.Name, PartitionsBuilder.RootId, files, _table.NewDataFileName(PartitionsBuilder.RootId), _instance.Time.GetUtcNow());
        await _table.StateStore.CommitAsync(new AssignJobIdsTransaction([new AssignJobIdRequest(job.JobId, job.PartitionId, files)]));
        await DeadLetterAsync(QueueNames.Compaction, CompactionJobSerDe.ToJson(job));
        return job;
    }

    private CompactionWorker Worker() => new(_instance.Queue(QueueNames.Compaction), _instance.CompactionTracker, (id, ct) => _instance.OpenTableByIdAsync(id, ct),
        new CompactionTask(_instance.Time, IteratorLoader.FromInstanceProperties(_instance.Properties)), _instance.Time);

    [Fact]
    public async Task A_retried_compaction_job_has_its_released_files_assigned_to_a_new_job_that_runs_and_commits()
    {
        var a = await IngestAsync("a", "c");
        var b = await IngestAsync("b", "d");
        var old = await DeadCompactionJobAsync(a, b);

        var result = Assert.Single(await new JobRetry(_instance).RetryAsync("compaction", [old.JobId]));

        Assert.True(result.Retried, result.Refused);
        Assert.NotEqual(old.JobId, result.NewJobId);
        var state = await _table.StateStore.GetStateAsync();
        Assert.All(state.AllReferences(), r => Assert.Equal(result.NewJobId, r.JobId));
        Assert.Empty(await _instance.Queue(QueueNames.Compaction).GetDeadLettersAsync());
        // The old job ended dead-lettered (the sweep ran first), and the new one is tracked from its creation.
        var jobs = JobStatus.Fold(await _instance.CompactionTracker.ReadJobEventsAsync(_table.Id));
        Assert.Equal("failed", jobs.Single(j => j.JobId == old.JobId).State);
        Assert.Equal("pending", jobs.Single(j => j.JobId == result.NewJobId).State);

        var run = await Worker().RunAsync(TimeSpan.Zero);

        Assert.Equal((1, 0), (run.JobsRun, run.JobsFailed));
        var after = await _table.StateStore.GetStateAsync();
        var only = Assert.Single(after.AllReferences());
        Assert.Equal((4L, null), (only.NumberOfRows, only.JobId));
        Assert.Equal("committed", JobStatus.Fold(await _instance.CompactionTracker.ReadJobEventsAsync(_table.Id)).Single(j => j.JobId == result.NewJobId).State);
    }

    [Fact]
    public async Task A_compaction_job_whose_files_went_to_another_job_is_refused_and_stays_a_dead_letter()
    {
        var a = await IngestAsync("a");
        var b = await IngestAsync("b");
        var old = await DeadCompactionJobAsync(a, b);
        var retry = new JobRetry(_instance);
        // Job creation ran after the sweep released the files, and gave one of them to a job of its own.
        await CompactionDeadLetters.Sweep(_instance.Queue(QueueNames.Compaction), _instance.CompactionTracker, (id, ct) => _instance.OpenTableByIdAsync(id, ct)).RunAsync();
        await _table.StateStore.CommitAsync(new AssignJobIdsTransaction([new AssignJobIdRequest("job-2", PartitionsBuilder.RootId, [b])]));

        var result = Assert.Single(await retry.RetryAsync("compaction", null));

        Assert.False(result.Retried);
        Assert.Contains($"{b} in partition root of table t is now assigned to compaction job job-2", result.Refused);
        Assert.Single(await _instance.Queue(QueueNames.Compaction).GetDeadLettersAsync());
        Assert.Null((await _table.StateStore.GetStateAsync()).AllReferences().Single(r => r.Filename == a).JobId);
        Assert.Equal(new QueueDepth(0, 0, 1), await _instance.Queue(QueueNames.Compaction).GetDepthAsync());
    }

    [Fact]
    public async Task A_retried_ingest_job_goes_back_under_a_new_id_with_the_same_files_and_is_tracked()
    {
        var job = new IngestJob("ingest-1", "t", _table.Id, ["/data/one.parquet", "/data/two.parquet"]);
        await DeadLetterAsync(QueueNames.Ingest, IngestJobSerDe.ToJson(job));

        var result = Assert.Single(await new JobRetry(_instance).RetryAsync("ingest", ["ingest-1"]));

        Assert.True(result.Retried, result.Refused);
        var message = await _instance.Queue(QueueNames.Ingest).ReceiveAsync(Visibility);
        var again = IngestJobSerDe.IngestFromJson(message!.Body);
        Assert.Equal((result.NewJobId, job.Files[0], job.Files[1], 1), (again.Id, again.Files[0], again.Files[1], message.ReceiveCount));
        var tracked = JobStatus.Fold(await _instance.IngestTracker.ReadJobEventsAsync(_table.Id)).Single(j => j.JobId == result.NewJobId);
        Assert.Equal(job.Files, tracked.Files);
        Assert.Equal("failed", JobStatus.Fold(await _instance.IngestTracker.ReadJobEventsAsync(_table.Id)).Single(j => j.JobId == "ingest-1").State);
    }

    [Fact]
    public async Task A_retried_sub_query_runs_under_a_new_sub_query_id_that_the_parent_now_lists()
    {
        var time = _instance.Time.GetUtcNow();
        await _instance.QueryTracker.RecordAsync(new QueryEvent("q", QueryEventKind.Queued, time, TableName: "t"));
        await _instance.QueryTracker.RecordAsync(new QueryEvent("q", QueryEventKind.Split, time, SubQueries: [new SubQueryRef("s1", "root"), new SubQueryRef("s2", "root")]));
        await _instance.QueryTracker.RecordAsync(new QueryEvent("q", QueryEventKind.Completed, time, SubQueryId: "s2", Rows: 3));
        var message = new QueryMessage("q", "s1", _table.Id, "t", new QueryRequest("t", "q", [Region.Whole(Schema)], null, null, null, new Dictionary<string, string>(), []),
            QueryDestination.Store, "root");
        await DeadLetterAsync(QueueNames.Query, QueryMessageSerDe.ToJson(message, Schema));

        var result = Assert.Single(await new JobRetry(_instance).RetryAsync("query", ["q/s1"]));

        Assert.True(result.Retried, result.Refused);
        var queued = QueryMessageSerDe.ReadHeader((await _instance.Queue(QueueNames.Query).ReceiveAsync(Visibility))!.Body);
        Assert.Equal("q", queued.QueryId);
        Assert.Equal($"q/{queued.SubQueryId}", result.NewJobId);
        // The parent waits for the new sub-query, not the dead one, and completes with it.
        var parent = (await _instance.QueryTracker.GetQueryAsync("q"))!;
        Assert.Equal([queued.SubQueryId!, "s2"], parent.SubQueries.Select(s => s.SubQueryId));
        Assert.Equal(QueryState.InProgress, parent.State);
        await _instance.QueryTracker.RecordAsync(new QueryEvent("q", QueryEventKind.Completed, time, SubQueryId: queued.SubQueryId, Rows: 2));
        parent = (await _instance.QueryTracker.GetQueryAsync("q"))!;
        Assert.Equal((QueryState.Completed, 5L), (parent.State, parent.RowsReturned));
    }

    [Fact]
    public async Task A_retried_bulk_import_job_goes_back_under_a_new_id_and_jobs_of_a_deleted_table_are_refused()
    {
        await DeadLetterAsync(QueueNames.BulkImport, IngestJobSerDe.ToJson(new BulkImportJob("bulk-1", "t", _table.Id, ["/data/big.parquet"])));
        var a = await IngestAsync("a");
        var b = await IngestAsync("b");
        var old = await DeadCompactionJobAsync(a, b);
        var bulk = Assert.Single(await new JobRetry(_instance).RetryAsync("bulk-import", null));
        await DeadLetterAsync(QueueNames.Ingest, IngestJobSerDe.ToJson(new IngestJob("ingest-1", "t", _table.Id, ["/data/one.parquet"])));
        await _instance.DeleteTableAsync("t");

        var compaction = Assert.Single(await new JobRetry(_instance).RetryAsync("compaction", [old.JobId]));
        var ingest = Assert.Single(await new JobRetry(_instance).RetryAsync("ingest", null));

        Assert.True(bulk.Retried, bulk.Refused);
        var again = IngestJobSerDe.BulkImportFromJson((await _instance.Queue(QueueNames.BulkImport).ReceiveAsync(Visibility))!.Body);
        Assert.Equal((bulk.NewJobId, "/data/big.parquet"), (again.Id, again.Files.Single()));
        Assert.False(compaction.Retried);
        Assert.Contains("table", compaction.Refused);
        Assert.Single(await _instance.Queue(QueueNames.Compaction).GetDeadLettersAsync());
        Assert.False(ingest.Retried);
        Assert.Contains("may have been deleted", ingest.Refused);
        Assert.Single(await _instance.Queue(QueueNames.Ingest).GetDeadLettersAsync());
    }

    [Fact]
    public async Task An_id_that_names_no_dead_letter_is_an_error_naming_it()
    {
        var error = await Assert.ThrowsAsync<SleeperException>(() => new JobRetry(_instance).RetryAsync("ingest", ["nope"]));
        Assert.Contains("'nope'", error.Message);
        await Assert.ThrowsAsync<SleeperException>(() => new JobRetry(_instance).RetryAsync("splitting", null));
    }
}
