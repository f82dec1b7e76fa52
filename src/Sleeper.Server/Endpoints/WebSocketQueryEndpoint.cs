using System.Buffers;
using System.Net.WebSockets;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Sleeper.Core;
using Sleeper.Core.Batches;
using Sleeper.Core.Query;
using Sleeper.Core.Tracking;
using Sleeper.Instance;
using Sleeper.Server.Auth;
using Sleeper.Server.Queries;
using Sleeper.Server.Serving;

namespace Sleeper.Server.Endpoints;

/// <summary>
/// <c>GET /ws/query</c>, with the message shapes of Sleeper's WebSocket API: the client sends one query (Sleeper's
/// query JSON, naming its table); the server answers <c>subqueries</c> (one per leaf partition that holds data in
/// the query's regions), then for each sub-query <c>rows</c> messages and its <c>completed</c>, and last the
/// <c>completed</c> of the query itself with the total; or an <c>error</c>. Each message is sent, and its send
/// awaited, before more rows are read, with at most <see cref="ServerLimits.WebSocketBatchRows"/> rows in one: a slow
/// reader slows the query down instead of the server buffering its rows. As in Sleeper, the query and its
/// sub-queries are recorded on the instance's query tracker (destination WebSocket), so <c>sleeper status --report
/// queries</c> shows them.
/// </summary>
public static class WebSocketQueryEndpoint
{
    /// <summary>The subprotocol a client may offer beside its key (<c>sleeper.key.KEY</c>); echoed so the key need not be.</summary>
    public const string SubProtocol = "sleeper.query";

    public static void Map(WebApplication app)
    {
        app.MapGet("/ws/query", RunAsync)
            .RequireAuthorization(Policies.Read)
            .WithTags("Queries")
            .WithSummary("WebSocket: send one query JSON message; receive subqueries, rows, completed or error messages")
            .Produces(StatusCodes.Status101SwitchingProtocols)
            .Produces<ErrorBody>(StatusCodes.Status400BadRequest);
    }

    private static async Task RunAsync(HttpContext context, SleeperInstance instance, ServedTables tables, QueryGate gate, ServerLimits limits, ILogger<QueryScope> logger)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            throw new ApiException(StatusCodes.Status400BadRequest, "/ws/query is a WebSocket: connect with a WebSocket client (Upgrade: websocket).");
        }
        var offered = context.WebSockets.WebSocketRequestedProtocols;
        // Browsers fail a connection whose offered subprotocols get no answer; a key-only offer gets its own back.
        var chosen = offered.Contains(SubProtocol) ? SubProtocol : offered.FirstOrDefault(p => p.StartsWith(ApiKeyAuthenticationHandler.WebSocketKeyPrefix, StringComparison.Ordinal));
        using var socket = await context.WebSockets.AcceptWebSocketAsync(chosen);
        var session = new Session(socket, context, instance, tables, gate, limits, logger);
        await session.RunAsync();
    }

    private sealed class Session(WebSocket socket, HttpContext context, SleeperInstance instance, ServedTables tables, QueryGate gate, ServerLimits limits, ILogger logger)
    {
        private readonly ArrayBufferWriter<byte> _buffer = new(64 * 1024);
        private string _queryId = Guid.NewGuid().ToString();
        private string _current = "";
        private bool _tracked;

        private IQueryTracker Tracker => instance.QueryTracker;

        private DateTimeOffset Now => instance.Time.GetUtcNow();

        public async Task RunAsync()
        {
            var aborted = context.RequestAborted;
            _current = _queryId;
            try
            {
                var text = await ReceiveAsync(aborted);
                if (text is null)
                {
                    return;
                }
                await RunQueryAsync(text, aborted);
            }
            catch (Exception e) when (!aborted.IsCancellationRequested && socket.State == WebSocketState.Open)
            {
                var message = e switch
                {
                    ApiException or SleeperException => e.Message,
                    OperationCanceledException => "The query was cancelled.",
                    _ => "The server failed to run the query; its log has the details.",
                };
                if (e is not (ApiException or SleeperException))
                {
                    logger.LogError(e, "WebSocket query {QueryId} failed", _queryId);
                }
                await RecordFailureAsync(message);
                await SendAsync(w =>
                {
                    w.WriteString("message", "error");
                    w.WriteString("queryId", _current);
                    w.WriteString("error", message);
                }, CancellationToken.None);
            }
            catch (Exception e) when (e is WebSocketException or OperationCanceledException)
            {
                // The client went away: nothing to tell it, only the tracker.
                await RecordFailureAsync("the client went away before the query finished");
                return;
            }
            if (socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
            {
                await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None);
            }
        }

        private async Task RunQueryAsync(string text, CancellationToken aborted)
        {
            JsonObject body;
            try
            {
                body = JsonNode.Parse(text, documentOptions: new JsonDocumentOptions { AllowDuplicateProperties = false }) as JsonObject
                    ?? throw new ApiException(StatusCodes.Status400BadRequest, "The query message must be a JSON object (Sleeper's query JSON).");
            }
            catch (JsonException e)
            {
                throw new ApiException(StatusCodes.Status400BadRequest, $"The query message is not valid JSON: {Bodies.Reason(e)}");
            }
            if (body["queryId"] is JsonValue id && id.GetValueKind() == JsonValueKind.String && id.GetValue<string>().Length > 0)
            {
                _queryId = _current = id.GetValue<string>();
            }
            if (body["tableName"] is not JsonValue nameNode || nameNode.GetValueKind() != JsonValueKind.String)
            {
                throw new ApiException(StatusCodes.Status400BadRequest, "The query message must name its table in 'tableName'.");
            }
            var name = nameNode.GetValue<string>();
            var served = await tables.GetAsync(name, requireOnline: true, aborted);
            var request = ApiQueries.Parse(body, served.Table.Schema, name, SleeperClaims.AuthorisationsOf(context.User), $"Query {_queryId} of table '{name}'");
            var fields = QueryEndpoints.OutputFields(served, request);
            using var scope = new QueryScope(gate, limits, instance.Time, aborted);
            // With the caller's token, not the query's: a query whose time is up at once is still recorded, as timed out.
            await Tracker.RecordAsync(new QueryEvent(_queryId, QueryEventKind.Queued, Now, TableName: name, Destination: "WebSocket"), aborted);
            _tracked = true;
            try
            {
                await Tracker.RecordAsync(new QueryEvent(_queryId, QueryEventKind.Started, Now), scope.Token);
                var read = await served.Table.StateStore.GetReadStateAsync(scope.Token);
                var subQueries = ApiQueries.SplitByLeaf(request, QueryPlanner.Plan(read.Derived(QueryPlanner.Index), request.Regions));
                await Tracker.RecordAsync(subQueries.Count == 0
                    ? new QueryEvent(_queryId, QueryEventKind.Completed, Now, Rows: 0)
                    : new QueryEvent(_queryId, QueryEventKind.Split, Now, SubQueries: [.. subQueries.Select(s => new SubQueryRef(s.SubQueryId, s.PartitionId))]), scope.Token);
                await SendAsync(w =>
                {
                    w.WriteString("message", "subqueries");
                    w.WriteString("queryId", _queryId);
                    w.WriteStartArray("queryIds");
                    foreach (var (subId, _, _) in subQueries)
                    {
                        w.WriteStringValue(subId);
                    }
                    w.WriteEndArray();
                }, scope.Token);
                long total = 0;
                foreach (var (subId, partitionId, subRequest) in subQueries)
                {
                    _current = subId;
                    await Tracker.RecordAsync(new QueryEvent(_queryId, QueryEventKind.Started, Now, subId, PartitionId: partitionId), scope.Token);
                    var rows = await StreamRowsAsync(served, subRequest, fields, subId, scope.Token);
                    total += rows;
                    await Tracker.RecordAsync(new QueryEvent(_queryId, QueryEventKind.Completed, Now, subId, PartitionId: partitionId, Rows: rows), scope.Token);
                    await SendCompletedAsync(subId, rows, scope.Token);
                }
                _current = _queryId;
                _tracked = false;
                await SendCompletedAsync(_queryId, total, scope.Token);
            }
            catch (OperationCanceledException) when (scope.TimedOut)
            {
                throw scope.TimeoutError();
            }
        }

        private async Task<long> StreamRowsAsync(ServedTable served, QueryRequest request, IReadOnlyList<Core.Schema.Field> fields, string subId, CancellationToken cancellationToken)
        {
            long count = 0;
            var pending = new List<Row>(limits.WebSocketBatchRows);
            async Task FlushAsync()
            {
                await SendAsync(w =>
                {
                    w.WriteString("message", "rows");
                    w.WriteString("queryId", subId);
                    w.WriteStartArray("rows");
                    foreach (var row in pending)
                    {
                        RowJson.WriteRow(w, fields, row);
                    }
                    w.WriteEndArray();
                }, cancellationToken);
                pending.Clear();
            }
            await foreach (var batch in served.Executor.RunAsync(request, cancellationToken))
            {
                using (batch)
                {
                    for (var i = 0; i < batch.Length; i++)
                    {
                        pending.Add(BatchRows.GetRow(batch, i));
                        count++;
                        if (pending.Count >= limits.WebSocketBatchRows)
                        {
                            await FlushAsync();
                        }
                    }
                }
            }
            if (pending.Count > 0)
            {
                await FlushAsync();
            }
            return count;
        }

        /// <summary>The tracker's record of a query that was tracked and did not finish: it failed, with the reason the client got.</summary>
        private async Task RecordFailureAsync(string reason)
        {
            if (!_tracked)
            {
                return;
            }
            _tracked = false;
            try
            {
                if (_current != _queryId)
                {
                    await Tracker.RecordAsync(new QueryEvent(_queryId, QueryEventKind.Failed, Now, _current, Reason: reason), CancellationToken.None);
                }
                await Tracker.RecordAsync(new QueryEvent(_queryId, QueryEventKind.Failed, Now, Reason: reason), CancellationToken.None);
            }
            catch (Exception e)
            {
                logger.LogWarning(e, "Could not record the failure of WebSocket query {QueryId} on the query tracker", _queryId);
            }
        }

        private Task SendCompletedAsync(string queryId, long rows, CancellationToken cancellationToken) => SendAsync(w =>
        {
            w.WriteString("message", "completed");
            w.WriteString("queryId", queryId);
            w.WriteNumber("rowCount", rows);
        }, cancellationToken);

        /// <summary>One message, sent whole; the send is awaited, which is what pushes back on the query.</summary>
        private async Task SendAsync(Action<Utf8JsonWriter> write, CancellationToken cancellationToken)
        {
            _buffer.ResetWrittenCount();
            using (var json = new Utf8JsonWriter(_buffer, RowJson.WriterOptions))
            {
                json.WriteStartObject();
                write(json);
                json.WriteEndObject();
            }
            await socket.SendAsync(_buffer.WrittenMemory, WebSocketMessageType.Text, endOfMessage: true, cancellationToken);
        }

        /// <summary>The one query message, at most the body limit in size; null when the client closed first.</summary>
        private async Task<string?> ReceiveAsync(CancellationToken cancellationToken)
        {
            var received = new ArrayBufferWriter<byte>(4096);
            while (true)
            {
                var result = await socket.ReceiveAsync(received.GetMemory(4096), cancellationToken);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "closed", CancellationToken.None);
                    return null;
                }
                received.Advance(result.Count);
                if (received.WrittenCount > limits.MaxRequestBodyBytes)
                {
                    throw new ApiException(StatusCodes.Status413PayloadTooLarge,
                        $"The query message is larger than {limits.MaxRequestBodyBytes} bytes (sleeper.server.request.body.max.bytes).");
                }
                if (result.EndOfMessage)
                {
                    return System.Text.Encoding.UTF8.GetString(received.WrittenSpan);
                }
            }
        }
    }
}
