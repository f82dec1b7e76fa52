using Sleeper.Core.Ingest.Batcher;

namespace Sleeper.Postgres.Tests;

/// <summary>What the PostgreSQL batcher store does beyond the port's contract: it forgets jobs sent long ago.</summary>
public sealed class PostgresIngestBatcherStoreTest : IAsyncLifetime
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);

    private readonly TestSchema _schema = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _schema.DisposeAsync();

    private static FileIngestRequest File(string name) => new($"/data/{name}", 10, "t1", T0);

    [Fact]
    public async Task Jobs_sent_longer_ago_than_kept_are_deleted_with_their_files_but_unsent_jobs_and_pending_files_stay()
    {
        var store = new PostgresIngestBatcherStore(_schema.Database) { KeepSentJobsFor = TimeSpan.FromHours(1) };
        await store.AddFilesAsync("t1", [File("old"), File("unsent"), File("new"), File("pending")]);
        await store.AddFilesAsync("t2", [File("other") with { TableId = "t2" }]);
        Assert.True(await store.TryAssignJobsAsync("t1", [
            new IngestBatcherJob("old", "t1", "ingest", [File("old")], T0),
            new IngestBatcherJob("unsent", "t1", "ingest", [File("unsent")], T0),
            new IngestBatcherJob("new", "t1", "ingest", [File("new")], T0)]));
        Assert.True(await store.TryAssignJobsAsync("t2", [new IngestBatcherJob("other", "t2", "ingest", [File("other") with { TableId = "t2" }], T0)]));
        await store.MarkJobsSentAsync("t1", ["old"], T0);
        await store.MarkJobsSentAsync("t2", ["other"], T0);

        await store.MarkJobsSentAsync("t1", ["new"], T0.AddHours(2));

        Assert.Equal(["unsent", "new"], (await store.GetJobsAsync("t1")).Select(j => j.JobId));
        Assert.Equal([File("pending")], await store.GetPendingFilesAsync("t1"));
        Assert.Equal(["other"], (await store.GetJobsAsync("t2")).Select(j => j.JobId));
        await using var command = _schema.Database.DataSource.CreateCommand(
            $"SELECT count(*) FROM {_schema.Database.Table(PostgresIngestBatcherStore.FilesTable)} WHERE table_id = 't1'");
        Assert.Equal(3L, await command.ExecuteScalarAsync());
    }
}
