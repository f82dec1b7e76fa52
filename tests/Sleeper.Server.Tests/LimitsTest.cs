using System.Net;
using System.Net.WebSockets;
using Microsoft.Extensions.DependencyInjection;
using Sleeper.Core.Tracking;
using Sleeper.Server.Serving;

namespace Sleeper.Server.Tests;

/// <summary>Past a request limit the caller gets a clear 4xx (or, on a WebSocket, an error message) naming it; the server carries on.</summary>
public sealed class LimitsTest
{
    [Fact]
    public async Task A_query_past_the_concurrency_limit_gets_429_over_REST_and_an_error_over_WebSocket()
    {
        await using var server = await ServerFixture.StartAsync(new ServerOptions { Limits = new ServerLimits { MaxConcurrentQueries = 1 } });
        await ApiTable.CreateAsync(server, rows: 10);
        using var reader = server.Client("reader");
        var gate = server.App.Services.GetRequiredService<QueryGate>();

        using (gate.Enter())
        {
            using var refused = await reader.PostAsync("/api/tables/docs/query", ApiTable.Json("""{"region":{}}"""));
            Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
            Assert.Contains("sleeper.server.query.concurrent.max", (await ApiTable.ErrorOf(refused)).GetProperty("error").GetString());
            var messages = await WebSocketQueryAsync(server, """{"tableName":"docs","keys":[{"key":"a000"}]}""");
            Assert.Contains("sleeper.server.query.concurrent.max", Assert.Single(messages).GetProperty("error").GetString());
        }
        // The slot is back: queries run again.
        using var allowed = await reader.PostAsync("/api/tables/docs/query", ApiTable.Json("""{"region":{}}"""));
        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        var after = await WebSocketQueryAsync(server, """{"tableName":"docs","keys":[{"key":"a000"}]}""");
        Assert.Equal("completed", after[^1].GetProperty("message").GetString());
    }

    [Fact]
    public async Task A_query_past_its_timeout_gets_408_over_REST_and_an_error_over_WebSocket()
    {
        await using var server = await ServerFixture.StartAsync(new ServerOptions { Limits = new ServerLimits { QueryTimeout = TimeSpan.Zero } });
        await ApiTable.CreateAsync(server, rows: 10);
        using var reader = server.Client("reader");

        foreach (var accept in new[] { "application/x-ndjson", "application/vnd.apache.arrow.stream", "application/vnd.apache.parquet" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/tables/docs/query") { Content = ApiTable.Json("""{"region":{}}""") };
            request.Headers.Accept.ParseAdd(accept);
            using var response = await reader.SendAsync(request);
            Assert.Equal(HttpStatusCode.RequestTimeout, response.StatusCode);
            Assert.Contains("sleeper.server.query.timeout.seconds", (await ApiTable.ErrorOf(response)).GetProperty("error").GetString());
        }
        var messages = await WebSocketQueryAsync(server, """{"tableName":"docs","queryId":"late","keys":[{"key":"a000"}]}""");
        Assert.Contains("sleeper.server.query.timeout.seconds", messages[^1].GetProperty("error").GetString());
        var status = await server.Instance.QueryTracker.GetQueryAsync("late");
        Assert.Equal(Core.Tracking.QueryState.Failed, status!.State);
        Assert.Contains("sleeper.server.query.timeout.seconds", status.Error);
        // The server is still up.
        using var health = await reader.GetAsync("/healthz");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }

    [Fact]
    public async Task A_query_body_past_the_size_limit_gets_413()
    {
        await using var server = await ServerFixture.StartAsync(new ServerOptions { Limits = new ServerLimits { MaxRequestBodyBytes = 1024 } });
        await ApiTable.CreateAsync(server, rows: 0);
        var keys = string.Join(",", Enumerable.Range(0, 200).Select(i => $$"""{"key":"k{{i}}"}"""));
        using var response = await server.Client("reader").PostAsync("/api/tables/docs/query", ApiTable.Json($$"""{"keys":[{{keys}}]}"""));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        await ApiTable.ErrorOf(response);
    }

    private static async Task<List<System.Text.Json.JsonElement>> WebSocketQueryAsync(ServerFixture server, string query)
    {
        using var socket = new ClientWebSocket();
        socket.Options.SetRequestHeader("Authorization", "Bearer " + server.Keys["reader"]);
        await socket.ConnectAsync(new Uri($"ws://{server.Address.Authority}/ws/query"), CancellationToken.None);
        return await WebSocketQueryTest.ExchangeAsync(socket, query);
    }
}
