using Sleeper.Core;
using Sleeper.Core.Keys;
using Sleeper.Core.Query;

namespace Sleeper.Client.Tests;

/// <summary>The client on an instance folder: the whole scenario, and what is particular to opening one.</summary>
public sealed class EmbeddedClientTest : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task Every_operation_of_the_client_works_on_an_instance_folder()
    {
        var inputs = _temp.Combine("inputs");
        Directory.CreateDirectory(inputs);
        await using var client = await SleeperClient.CreateInstanceAsync(_temp.Combine("instance"));
        await ClientScenario.RunAsync(client, inputs);
    }

    [Fact]
    public async Task A_client_opens_an_instance_another_made_and_sees_its_rows()
    {
        var folder = _temp.Combine("instance");
        await using (var first = await SleeperClient.CreateInstanceAsync(folder))
        {
            await first.CreateTableAsync("t", ClientModel.Schema);
            await first.WriteAsync("t", [new Row(["a", 1L, 2L, "x"])]);
        }
        await using var second = await SleeperClient.OpenAsync(folder);
        Assert.Equal([new Row(["a", 1L, 2L, "x"])], await second.QueryAsync("t", SleeperQuery.ForKeys(Key.Of("a", 1L))).ToListAsync());
        // A write through another client is seen by the next query of this one, though it keeps the table open.
        await using (var third = await SleeperClient.OpenAsync(folder))
        {
            await third.WriteAsync("t", [new Row(["a", 1L, 3L, null])]);
        }
        Assert.Equal(2, await second.QueryAsync("t", SleeperQuery.ForKeys(Key.Of("a", 1L))).CountAsync());
    }

    [Fact]
    public async Task A_batch_writer_shared_by_many_threads_writes_every_row_once()
    {
        await using var client = await SleeperClient.CreateInstanceAsync(_temp.Combine("instance"));
        await client.CreateTableAsync("t", ClientModel.Schema, ClientModel.SplitPoints);
        var model = new ClientModel(seed: 5);
        var perThread = Enumerable.Range(0, 8).Select(_ => model.NewRows(250)).ToList();
        int commits;
        await using (var writer = await client.OpenBatchWriterAsync("t", maxBufferedBytes: 16 * 1024))
        {
            Assert.Equal(0, (await writer.FlushAsync()).RowsWritten);
            await Task.WhenAll(perThread.Select(rows => Task.Run(async () =>
            {
                foreach (var chunk in rows.Chunk(25))
                {
                    await writer.AddAsync(chunk);
                }
            })));
            commits = writer.Commits;
        }
        Assert.True(commits > 1, $"{commits} commit(s)");
        var all = await client.QueryAsync("t", SleeperQuery.All()).ToListAsync();
        Assert.Equal(ClientModel.Sorted(model.Rows), ClientModel.Sorted(all));
        await Assert.ThrowsAsync<ObjectDisposedException>(async () =>
        {
            var writer = await client.OpenBatchWriterAsync("t");
            await writer.DisposeAsync();
            await writer.AddAsync(new Row(["a", 1L, 1L, null]));
        });
    }

    [Fact]
    public async Task Opening_a_folder_with_no_instance_says_how_to_make_one()
    {
        var e = await Assert.ThrowsAsync<SleeperException>(() => SleeperClient.OpenAsync(_temp.Combine("nothing")));
        Assert.Contains("no Sleeper instance", e.Message);
    }

    [Fact]
    public void The_query_carries_the_callers_authorisations_fields_and_iterator_to_the_executor()
    {
        var query = SleeperQuery.ForKeys(Key.Of("a", 1)) with
        {
            Authorisations = ["admin", "team-a"],
            Fields = ["k", "v"],
            QueryId = "q1",
            IteratorClassName = "SomeIterator",
            IteratorConfig = "config",
        };

        var request = QueryRequests.Build("t", ClientModel.Schema, query);

        Assert.Equal(["admin", "team-a"], request.Authorisations);
        Assert.Equal(["k", "v"], request.Fields);
        Assert.Equal(("q1", "SomeIterator", "config"), (request.QueryId, request.IteratorClassName, request.IteratorConfig));
        var region = Assert.Single(request.Regions);
        Assert.Equal(new Region([Core.Keys.KeyRange.Exactly(ClientModel.Schema.RowKeyFields[0], "a"), Core.Keys.KeyRange.Exactly(ClientModel.Schema.RowKeyFields[1], 1L)]), region);
        Assert.IsType<QueryRequest>(request);
        Assert.Throws<InvalidQueryException>(() => QueryRequests.Build("t", ClientModel.Schema, query with { Authorisations = [""] }));
    }
}
