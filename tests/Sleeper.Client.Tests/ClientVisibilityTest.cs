using Sleeper.Core;
using Sleeper.Core.Jobs;
using Sleeper.Core.Schema;
using Sleeper.Core.Tracking;
using Sleeper.Query;

namespace Sleeper.Client.Tests;

/// <summary>
/// A table with a visibility field through the client: the query's authorisations reach the visibility filter, so
/// each caller sees only the rows its labels allow, however the query is asked; and a row with a malformed label is
/// refused with nothing of its write committed.
/// </summary>
public sealed class ClientVisibilityTest : IDisposable
{
    private static readonly TableSchema Schema = new(
        [new Field("key", StringType.Instance)], [],
        [new Field("value", StringType.Instance), new Field("vis", StringType.Instance, Nullable: true)]);

    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task Each_query_returns_only_the_rows_its_authorisations_satisfy()
    {
        await using var client = await CreateAsync();

        Assert.Equal(["public", "empty"], await ValuesAsync(client, SleeperQuery.All()));
        Assert.Equal(["public", "empty", "red", "spaced"], await ValuesAsync(client, SleeperQuery.All() with { Authorisations = ["RED"] }));
        Assert.Equal(["public", "empty", "red", "red and blue", "spaced"], await ValuesAsync(client, SleeperQuery.All() with { Authorisations = ["RED", "BLUE"] }));
        // Labels as they are, no quoting: a space or a comma is part of the label.
        Assert.Equal(["public", "empty", "spaced", "comma"], await ValuesAsync(client, SleeperQuery.All() with { Authorisations = ["top secret", "a,b"] }));
        // By key, with fields that leave the label out, and as batches: filtered all the same.
        Assert.Empty(await ValuesAsync(client, SleeperQuery.ForKeys("d") with { Authorisations = ["RED"] }));
        Assert.Equal(["red and blue"], await ValuesAsync(client, SleeperQuery.ForKeys("d") with { Authorisations = ["BLUE", "RED"], Fields = ["value"] }));
        var rows = 0;
        await foreach (var batch in client.QueryBatchesAsync("docs", SleeperQuery.ForRange("a", "e")))
        {
            using (batch)
            {
                rows += batch.Length;
            }
        }
        Assert.Equal(2, rows);
    }

    [Fact]
    public async Task A_write_with_a_malformed_label_commits_nothing()
    {
        await using var client = await CreateAsync();

        var e = await Assert.ThrowsAnyAsync<SleeperException>(() => client.WriteAsync("docs", [new Row(["x", "fine", "RED"]), new Row(["y", "bad", "RED&|BLUE"])]));
        Assert.Contains("RED&|BLUE", e.Message);
        Assert.Equal(6, await client.QueryAsync("docs", SleeperQuery.All() with { Authorisations = ["RED", "BLUE", "top secret", "a,b"] }).CountAsync());
    }

    [Fact]
    public async Task A_queued_query_carries_its_authorisations_to_the_worker_and_its_results_to_the_store()
    {
        await using var client = await CreateAsync();
        var query = SleeperQuery.All() with { Authorisations = ["RED"], QueryId = "red-query" };

        var queryId = await client.SubmitQueryAsync("docs", query);
        Assert.Equal("red-query", queryId);
        Assert.Equal(QueryState.Queued, (await client.GetQueryStatusAsync(queryId)).State);
        var instance = client.Instance;
        var worker = new QueryWorker(instance.Queue(QueueNames.Query), instance.QueryTracker, instance.QueryTaskTracker,
            (id, ct) => instance.OpenTableByIdAsync(id, ct), instance.Objects) { PollInterval = TimeSpan.FromMilliseconds(10) };
        await worker.RunAsync(TimeSpan.FromMilliseconds(300));

        var status = await client.WaitForQueryAsync(queryId, TimeSpan.FromMilliseconds(10));
        Assert.Equal(QueryState.Completed, status.State);
        Assert.Equal(4, status.RowsReturned);
        var queued = await client.ReadQueryResultRowsAsync(queryId).ToListAsync();
        var direct = await client.QueryAsync("docs", query).ToListAsync();
        Assert.Equal(direct, queued);
        Assert.Equal(["public", "empty", "red", "spaced"], queued.Select(r => (string)r[1]!));
        Assert.True(await client.DeleteQueryResultsAsync(queryId) > 0);
    }

    private async Task<SleeperClient> CreateAsync()
    {
        var client = await SleeperClient.CreateInstanceAsync(_temp.Combine("instance"));
        await client.CreateTableAsync("docs", Schema, properties: new Dictionary<string, string> { ["sleeper.table.visibility.field"] = "vis" });
        await client.WriteAsync("docs", [
            new Row(["a", "public", null]),
            new Row(["b", "empty", ""]),
            new Row(["c", "red", "RED"]),
            new Row(["d", "red and blue", "RED&BLUE"]),
            new Row(["e", "spaced", "\"top secret\"|RED"]),
            new Row(["f", "comma", "\"a,b\""]),
        ]);
        return client;
    }

    private static async Task<string[]> ValuesAsync(SleeperClient client, SleeperQuery query) =>
        (await client.QueryAsync("docs", query).ToListAsync()).Select(r => (string)r[query.Fields is null ? 1 : 0]!).ToArray();
}
