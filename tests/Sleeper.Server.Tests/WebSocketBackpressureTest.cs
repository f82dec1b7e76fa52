using System.Net.Http.Json;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Sleeper.Core;
using Sleeper.Core.Batches;
using Sleeper.Ingest;
using Sleeper.Server.Serving;

namespace Sleeper.Server.Tests;

/// <summary>
/// A WebSocket client that stops reading stops the query: the server sends a message and awaits it before reading
/// more rows, so while the client reads nothing the query yields only what fills the connection's buffers, not
/// the whole result; once the client reads again, every row arrives.
/// </summary>
public sealed class WebSocketBackpressureTest
{
    private const int Rows = 100_000;

    [Fact]
    public async Task A_client_that_stops_reading_holds_the_query_back_and_then_gets_every_row()
    {
        await using var server = await ServerFixture.StartAsync(new ServerOptions { Limits = new ServerLimits { WebSocketBatchRows = 100 } });
        using (var created = await server.Client("admin").PostAsJsonAsync("/api/tables", new JsonObject
        {
            ["name"] = "big",
            ["schema"] = new JsonObject
            {
                ["rowKeyFields"] = new JsonArray(new JsonObject { ["name"] = "key", ["type"] = "StringType" }),
                ["valueFields"] = new JsonArray(new JsonObject { ["name"] = "text", ["type"] = "StringType" }),
            },
        }))
        {
            Assert.True(created.IsSuccessStatusCode, await created.Content.ReadAsStringAsync());
        }
        // About 50 MB of rows as JSON: far more than a loopback connection's buffers hold.
        var table = await server.Instance.OpenTableAsync("big");
        var builder = new RecordBatchBuilder(table.Schema, Rows);
        var padding = new string('x', 480);
        for (var i = 0; i < Rows; i++)
        {
            builder.Append(new Row([$"k{i:D7}", padding]));
        }
        await new IngestRunner(table).IngestBatchesAsync([builder.Build()]);

        using var invoker = new HttpMessageInvoker(new SocketsHttpHandler
        {
            // A small receive buffer on the client, so what waits in the connection is mostly the server's send buffer.
            ConnectCallback = async (context, cancel) =>
            {
                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true, ReceiveBufferSize = 16 * 1024 };
                await socket.ConnectAsync(context.DnsEndPoint, cancel);
                return new NetworkStream(socket, ownsSocket: true);
            },
        });
        using var client = new ClientWebSocket();
        client.Options.SetRequestHeader("Authorization", "Bearer " + server.Keys["reader"]);
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await client.ConnectAsync(new Uri($"ws://{server.Address.Authority}/ws/query"), invoker, timeout.Token);
        await client.SendAsync(Encoding.UTF8.GetBytes("""{"tableName":"big","regions":[{"key":{"min":null}}]}"""), WebSocketMessageType.Text, true, timeout.Token);

        // Read nothing, and wait until the query stops making progress (or generous time passes).
        var executor = (await server.App.Services.GetRequiredService<ServedTables>().GetAsync("big", requireOnline: true, timeout.Token)).Executor;
        long yielded = -1;
        for (var still = 0; still < 10 && !timeout.IsCancellationRequested;)
        {
            await Task.Delay(200, timeout.Token);
            var now = executor.LastStatistics.RowsReturned;
            still = now == yielded && now > 0 ? still + 1 : 0;
            yielded = now;
        }
        Assert.InRange(yielded, 1, Rows / 2);

        // Reading again, every row comes, in batches of at most 100.
        long rows = 0;
        long completed = -1;
        var buffer = new byte[1 << 16];
        using var message = new MemoryStream();
        while (true)
        {
            var result = await client.ReceiveAsync(buffer, timeout.Token);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                break;
            }
            message.Write(buffer, 0, result.Count);
            if (!result.EndOfMessage)
            {
                continue;
            }
            var json = JsonDocument.Parse(message.ToArray()).RootElement;
            message.SetLength(0);
            switch (json.GetProperty("message").GetString())
            {
                case "rows":
                    var count = json.GetProperty("rows").GetArrayLength();
                    Assert.InRange(count, 1, 100);
                    rows += count;
                    break;
                case "completed":
                    completed = json.GetProperty("rowCount").GetInt64();
                    break;
                case "error":
                    Assert.Fail(json.GetRawText());
                    break;
            }
        }
        Assert.Equal(Rows, rows);
        Assert.Equal(Rows, completed);
    }
}
