using Apache.Arrow;
using Sleeper.BulkImport;
using Sleeper.Core;
using Sleeper.Core.Batches;
using Sleeper.Core.Jobs;
using Sleeper.Core.Keys;
using Sleeper.Core.Schema;
using Sleeper.Ingest;

namespace Sleeper.Client.Tests;

/// <summary>
/// The client end to end on one instance, whatever its backends: tables made and dropped, rows written every way
/// the client offers (queued jobs run by workers in this process), and every kind of query checked against
/// <see cref="ClientModel"/>. The embedded and the services tests both run it.
/// </summary>
public static class ClientScenario
{
    public const string Table = "events";

    /// <param name="queries">How many random queries to check one at a time; half as many more run at once.</param>
    public static async Task RunAsync(SleeperClient client, string inputs, int queries = 60)
    {
        var model = new ClientModel(seed: 11);
        await CreateTableAsync(client);

        // A batch of rows in one commit, then a batch writer that flushes by itself as its buffer fills.
        var written = await client.WriteAsync(Table, model.NewRows(200));
        Assert.Equal(200, written.RowsWritten);
        await AssertCountAsync(client, 200);
        var commitsBefore = await CommitsAsync(client);
        await using (var writer = await client.OpenBatchWriterAsync(Table, maxBufferedBytes: 4 * 1024))
        {
            await writer.AddAsync(model.NewRows(400));
            Assert.True(writer.Commits >= 2, $"The writer should have flushed by itself; it made {writer.Commits} commit(s).");
            await writer.FlushAsync();
            Assert.Equal(0, writer.RowsBuffered);
            Assert.Equal(400, writer.RowsWritten);
            Assert.Equal(writer.Commits, await CommitsAsync(client) - commitsBefore);
            await AssertCountAsync(client, 600);
            // An Arrow batch with its columns in another order: matched by name.
            await writer.AddAsync(ReversedBatch(model.NewRows(50)));
            foreach (var row in model.NewRows(25))
            {
                await writer.AddAsync(row);
            }
            Assert.Equal(75, writer.RowsBuffered);
        }
        await AssertCountAsync(client, 675);
        using (var batch = new RecordBatchBuilder(ClientModel.Schema).Also(b => model.NewRows(30).ForEach(b.Append)).Build())
        {
            Assert.Equal(30, (await client.WriteAsync(Table, batch)).RowsWritten);
            Assert.Equal(30, batch.Length);
        }

        // Files: now, as a queued ingest job, through the batcher, and by bulk import now and queued.
        Assert.Equal(100, (await client.IngestFilesAsync(Table, [model.WriteJsonLines(Path.Combine(inputs, "direct.jsonl"), 100)])).RowsWritten);
        var jobId = await client.SubmitIngestJobAsync(Table, [model.WriteJsonLines(Path.Combine(inputs, "job.jsonl"), 120)]);
        Assert.Equal(1, (await IngestWorker(client).RunAsync(TimeSpan.Zero)).JobsRun);
        Assert.Contains(await client.Instance.IngestTracker.ReadJobEventsAsync(null), e => e.JobId == jobId && e.Kind == Core.Tracking.JobEventKind.Committed);
        var submission = await client.SendToIngestBatcherAsync(Table, [model.WriteJsonLines(Path.Combine(inputs, "batched.jsonl"), 90)]);
        Assert.Single(submission.Added);
        Assert.Equal(QueueNames.Ingest, Assert.Single(submission.Run.Sent).Queue);
        Assert.Equal(1, (await IngestWorker(client).RunAsync(TimeSpan.Zero)).JobsRun);
        var imported = await client.BulkImportAsync(Table, [model.WriteJsonLines(Path.Combine(inputs, "bulk.jsonl"), 150)], options: new BulkImportOptions { Parallelism = 2 });
        Assert.Equal(150, imported.RowsWritten);
        await client.SubmitBulkImportJobAsync(Table, [model.WriteJsonLines(Path.Combine(inputs, "bulk-job.jsonl"), 80)]);
        Assert.Equal(1, (await BulkImportWorker(client).RunAsync(TimeSpan.Zero)).JobsRun);
        await AssertCountAsync(client, model.Rows.Count);

        // Every kind of query against the model, one at a time and then many at once.
        for (var i = 0; i < queries; i++)
        {
            var (query, expected) = model.RandomQuery();
            await AssertQueryAsync(client, query, expected);
        }
        var concurrent = Enumerable.Range(0, queries / 2).Select(_ => model.RandomQuery()).ToList();
        await Task.WhenAll(concurrent.Select(q => Task.Run(() => AssertQueryAsync(client, q.Query, q.Expected))));
        await AssertBatchesMatchRowsAsync(client);

        await AssertErrorsAsync(client);

        await client.DeleteTableAsync(Table);
        Assert.False(await client.TableExistsAsync(Table));
        await Assert.ThrowsAsync<TableNotFoundException>(() => client.QueryAsync(Table, SleeperQuery.All()).CountAsync().AsTask());
    }

    private static async Task CreateTableAsync(SleeperClient client)
    {
        Assert.False(await client.TableExistsAsync(Table));
        await client.CreateTableAsync(Table, ClientModel.Schema, ClientModel.SplitPoints, new Dictionary<string, string>
        {
            ["sleeper.table.ingest.batcher.job.min.size"] = "1",
            ["sleeper.table.ingest.batch.rows"] = "64",
            ["sleeper.table.gc.delay.minutes"] = "0",
        });
        Assert.True(await client.TableExistsAsync(Table));
        var listed = Assert.Single(await client.ListTablesAsync());
        Assert.Equal((Table, true), (listed.TableName, listed.Online));
        var schema = await client.GetSchemaAsync(Table);
        Assert.Equal(ClientModel.Schema.AllFields, schema.AllFields);
        Assert.Equal("64", (await client.GetTablePropertiesAsync(Table))["sleeper.table.ingest.batch.rows"]);
        var state = await client.Instance.OpenTableAsync(Table).ContinueWith(t => t.Result.StateStore.GetStateAsync()).Unwrap();
        Assert.Equal(3, state.Partitions.Values.Count(p => p.IsLeaf));
        await Assert.ThrowsAsync<TableAlreadyExistsException>(() => client.CreateTableAsync(Table, ClientModel.Schema));
        await Assert.ThrowsAsync<InvalidQueryException>(() => client.CreateTableAsync("bad-splits", ClientModel.Schema, splitPoints: [5]));
        await Assert.ThrowsAsync<PropertyException>(() => client.CreateTableAsync("bad-property", ClientModel.Schema,
            properties: new Dictionary<string, string> { ["sleeper.table.no.such.property"] = "1" }));
        Assert.False(await client.TableExistsAsync("bad-splits"));
    }

    private static async Task AssertQueryAsync(SleeperClient client, SleeperQuery query, List<Row> expected)
    {
        var actual = await client.QueryAsync(Table, query).ToListAsync();
        ClientModel.CheckKeyOrder(actual, query.Fields);
        Assert.Equal(ClientModel.Canonical(expected, query.Fields), ClientModel.Canonical(actual, query.Fields));
    }

    private static async Task AssertBatchesMatchRowsAsync(SleeperClient client)
    {
        var query = SleeperQuery.ForRange("k05", "k25") with { Fields = ["k", "t"] };
        var fromBatches = new List<Row>();
        await foreach (var batch in client.QueryBatchesAsync(Table, query))
        {
            using (batch)
            {
                Assert.Equal(["k", "t"], batch.Schema.FieldsList.Select(f => f.Name));
                fromBatches.AddRange(Enumerable.Range(0, batch.Length).Select(i => BatchRows.GetRow(batch, i)));
            }
        }
        Assert.Equal(await client.QueryAsync(Table, query).ToListAsync(), fromBatches);
    }

    private static async Task AssertErrorsAsync(SleeperClient client)
    {
        var count = await CountAsync(client);
        var unknown = await Assert.ThrowsAsync<TableNotFoundException>(() => client.QueryAsync("no-such-table", SleeperQuery.ForKeys(Key.Of("a", 1L))).CountAsync().AsTask());
        Assert.Contains("no-such-table", unknown.Message);
        await Assert.ThrowsAsync<TableNotFoundException>(() => client.WriteAsync("no-such-table", System.Array.Empty<Row>()));
        var wrongType = await Assert.ThrowsAsync<InvalidQueryException>(() => client.QueryAsync(Table, SleeperQuery.ForKeys(Key.Of(7, 1L))).CountAsync().AsTask());
        Assert.Contains("row key 'k'", wrongType.Message);
        Assert.Contains("StringType", wrongType.Message);
        var nullKey = await Assert.ThrowsAsync<InvalidQueryException>(() => client.QueryAsync(Table, SleeperQuery.ForKeys([new Key(["k01", null!])])).CountAsync().AsTask());
        Assert.Contains("'n'", nullKey.Message);
        var tooFew = await Assert.ThrowsAsync<InvalidQueryException>(() => client.QueryAsync(Table, SleeperQuery.ForKeys("k01")).CountAsync().AsTask());
        Assert.Contains("Key.Of", tooFew.Message);
        await Assert.ThrowsAsync<InvalidQueryException>(() => client.QueryAsync(Table, SleeperQuery.ForRange("k09", "k01")).CountAsync().AsTask());
        await Assert.ThrowsAsync<InvalidQueryException>(() => client.QueryAsync(Table, SleeperQuery.All() with { Fields = ["nope"] }).CountAsync().AsTask());
        await Assert.ThrowsAsync<InvalidQueryException>(() => client.QueryAsync(Table, SleeperQuery.ForRegions(QueryRegion.Of("v", QueryRange.All))).CountAsync().AsTask());
        // An int for a long key is widened, as C# writes small numbers.
        Assert.Equal(await client.QueryAsync(Table, SleeperQuery.ForKeys(Key.Of("k01", 3L))).CountAsync(),
            await client.QueryAsync(Table, SleeperQuery.ForKeys(Key.Of("k01", 3))).CountAsync());

        // A row that does not fit stops the write, and nothing of it is committed.
        var nullKeyRow = await Assert.ThrowsAsync<RowValidationException>(() => client.WriteAsync(Table, [new Row(["k01", 1L, 1L, "ok"]), new Row([null, 1L, 1L, "x"])]));
        Assert.Contains("'k'", nullKeyRow.Message);
        await Assert.ThrowsAsync<RowValidationException>(() => client.WriteAsync(Table, [new Row(["k01", "not a long", 1L, "x"])]));
        Assert.Equal(count, await CountAsync(client));
    }

    private static RecordBatch ReversedBatch(List<Row> rows)
    {
        var builder = new RecordBatchBuilder(new Apache.Arrow.Schema(ClientModel.Schema.AllFields.Reverse().Select(ArrowSchemas.ToArrow), null));
        foreach (var row in rows)
        {
            builder.Append(new Row([row[3], row[2], row[1], row[0]]));
        }
        return builder.Build();
    }

    private static IngestWorker IngestWorker(SleeperClient client) =>
        new(client.Instance.Queue(QueueNames.Ingest), client.Instance.IngestTracker, (job, ct) => client.Instance.OpenTableByIdAsync(job.TableId!, ct), client.Instance.Time)
        {
            InputFiles = client.Instance.InputFiles,
            PollInterval = TimeSpan.FromMilliseconds(20),
        };

    private static BulkImportWorker BulkImportWorker(SleeperClient client) =>
        new(client.Instance.Queue(QueueNames.BulkImport), client.Instance.BulkImportTracker, (job, ct) => client.Instance.OpenTableByIdAsync(job.TableId!, ct),
            new BulkImportOptions { Parallelism = 2 }, client.Instance.Time)
        {
            InputFiles = client.Instance.InputFiles,
            PollInterval = TimeSpan.FromMilliseconds(20),
        };

    private static Task<int> CountAsync(SleeperClient client) => client.QueryAsync(Table, SleeperQuery.All()).CountAsync().AsTask();

    private static async Task AssertCountAsync(SleeperClient client, int expected) => Assert.Equal(expected, await CountAsync(client));

    private static async Task<int> CommitsAsync(SleeperClient client)
    {
        var table = await client.Instance.OpenTableAsync(Table);
        // Each commit is one transaction of the table's log.
        return (int)(await table.StateStore.GetStateAsync()).RecentTransactionIds.Keys.Max();
    }

    private static T Also<T>(this T value, Action<T> action)
    {
        action(value);
        return value;
    }
}
