using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Sleeper.Core.Tracking;

namespace Sleeper.Server.Tests;

/// <summary>
/// WebSocket queries: Sleeper's message shapes, the rows `sleeper query` gives with the caller's authorisations,
/// in batches no larger than the limit; and the same credential rules as REST.
/// </summary>
public sealed class WebSocketQueryTest(FilledServer filled) : IClassFixture<FilledServer>
{
    private ServerFixture Server => filled.Server;

    [Theory]
    [InlineData("reader", "PUBLIC")]
    [InlineData("writer", "PUBLIC,RED")]
    [InlineData("admin", "PUBLIC,RED,BLUE")]
    public async Task A_WebSocket_query_streams_the_rows_of_the_CLI_per_leaf_sub_query(string user, string auths)
    {
        var expected = await ApiTable.CliQueryAsync(Server, "--region", "{}", "--auths", auths);
        var messages = await QueryAsync(user, $$$"""{"tableName":"docs","queryId":"ws-{{{user}}}","regions":[{"key":{"min":null}}]}""");

        var subqueries = messages[0];
        Assert.Equal("subqueries", subqueries.GetProperty("message").GetString());
        var subIds = subqueries.GetProperty("queryIds").EnumerateArray().Select(e => e.GetString()!).ToList();
        Assert.Equal(3, subIds.Count);
        var rows = new List<string>();
        var perSub = new Dictionary<string, int>();
        foreach (var message in messages.Skip(1).SkipLast(1))
        {
            var kind = message.GetProperty("message").GetString();
            var id = message.GetProperty("queryId").GetString()!;
            Assert.Contains(id, subIds);
            if (kind == "rows")
            {
                var batch = message.GetProperty("rows").EnumerateArray().Select(r => r.GetRawText()).ToList();
                Assert.InRange(batch.Count, 1, 7);
                rows.AddRange(batch);
                perSub[id] = perSub.GetValueOrDefault(id) + batch.Count;
            }
            else
            {
                Assert.Equal("completed", kind);
                Assert.Equal(perSub.GetValueOrDefault(id), message.GetProperty("rowCount").GetInt64());
            }
        }
        var last = messages[^1];
        Assert.Equal("completed", last.GetProperty("message").GetString());
        Assert.Equal($"ws-{user}", last.GetProperty("queryId").GetString());
        Assert.Equal(expected.Length, last.GetProperty("rowCount").GetInt64());
        Assert.Equal(expected, rows);

        // As in Sleeper, the query and its sub-queries are on the instance's query tracker.
        var status = await Server.Instance.QueryTracker.GetQueryAsync($"ws-{user}");
        Assert.NotNull(status);
        Assert.Equal(QueryState.Completed, status.State);
        Assert.Equal(expected.Length, status.RowsReturned);
        Assert.Equal("WebSocket", status.Destination);
        Assert.Equal(subIds, status.SubQueries.Select(s => s.SubQueryId));
    }

    [Fact]
    public async Task The_query_message_cannot_widen_the_authorisations_and_bad_messages_get_an_error()
    {
        var widened = await QueryAsync("reader", """{"tableName":"docs","keys":[{"key":"d003"}],"authorisations":["RED"]}""");
        Assert.Equal("error", Assert.Single(widened).GetProperty("message").GetString());
        Assert.Contains("authorisations of its API key", widened[0].GetProperty("error").GetString());

        var malformed = await QueryAsync("reader", """{"tableName":"docs",""");
        Assert.Contains("not valid JSON", Assert.Single(malformed).GetProperty("error").GetString());
        var unknown = await QueryAsync("reader", """{"tableName":"nope","keys":[{"key":"a"}]}""");
        Assert.Contains("nope", Assert.Single(unknown).GetProperty("error").GetString());
        var noTable = await QueryAsync("reader", """{"keys":[{"key":"a"}]}""");
        Assert.Contains("tableName", Assert.Single(noTable).GetProperty("error").GetString());

        // The row with label RED (d003) is not among the reader's, however it asks.
        var messages = await QueryAsync("reader", """{"tableName":"docs","keys":[{"key":"d003"}]}""");
        Assert.DoesNotContain(messages, m => m.GetProperty("message").GetString() == "rows");
        Assert.Equal(0, messages[^1].GetProperty("rowCount").GetInt64());
    }

    [Fact]
    public async Task A_WebSocket_without_a_credential_or_with_a_wrong_one_gets_401_and_the_key_may_come_as_a_subprotocol()
    {
        foreach (var header in new string?[] { null, "Bearer not-a-key" })
        {
            using var socket = new ClientWebSocket();
            socket.Options.CollectHttpResponseDetails = true;
            if (header is not null)
            {
                socket.Options.SetRequestHeader("Authorization", header);
            }
            await Assert.ThrowsAsync<WebSocketException>(() => socket.ConnectAsync(WebSocketUri(), CancellationToken.None));
            Assert.Equal(HttpStatusCode.Unauthorized, socket.HttpStatusCode);
        }
        using var browserLike = new ClientWebSocket();
        browserLike.Options.AddSubProtocol("sleeper.query");
        browserLike.Options.AddSubProtocol("sleeper.key." + Server.Keys["reader"]);
        await browserLike.ConnectAsync(WebSocketUri(), CancellationToken.None);
        Assert.Equal("sleeper.query", browserLike.SubProtocol);
        var messages = await ExchangeAsync(browserLike, """{"tableName":"docs","keys":[{"key":"c002"}]}""");
        Assert.Equal(1, messages[^1].GetProperty("rowCount").GetInt64());
    }

    private Uri WebSocketUri() => new($"ws://{Server.Address.Authority}/ws/query");

    private async Task<List<JsonElement>> QueryAsync(string user, string query)
    {
        using var socket = new ClientWebSocket();
        socket.Options.SetRequestHeader("Authorization", "Bearer " + Server.Keys[user]);
        await socket.ConnectAsync(WebSocketUri(), CancellationToken.None);
        return await ExchangeAsync(socket, query);
    }

    /// <summary>Sends the query and reads every message until the server closes.</summary>
    public static async Task<List<JsonElement>> ExchangeAsync(ClientWebSocket socket, string query)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await socket.SendAsync(Encoding.UTF8.GetBytes(query), WebSocketMessageType.Text, true, timeout.Token);
        var messages = new List<JsonElement>();
        var buffer = new byte[1 << 16];
        using var message = new MemoryStream();
        while (true)
        {
            var result = await socket.ReceiveAsync(buffer, timeout.Token);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "", timeout.Token);
                return messages;
            }
            message.Write(buffer, 0, result.Count);
            if (result.EndOfMessage)
            {
                messages.Add(JsonDocument.Parse(message.ToArray()).RootElement.Clone());
                message.SetLength(0);
            }
        }
    }
}
