using Sleeper.Core;
using Sleeper.Core.Iterators;
using Sleeper.Core.Jobs;
using Sleeper.Core.Query;
using Sleeper.Core.Tables;
using Sleeper.Core.Tracking;
using Sleeper.Core.Telemetry;

namespace Sleeper.Query;

/// <summary>
/// Puts queries on the query queue for <see cref="QueryWorker"/>s to run, and records them as queued on the query
/// tracker. The CLI (<c>sleeper query … --queue</c>) and the client library submit through this.
/// </summary>
/// <remarks>
/// Before anything is queued the request is checked against the table (fields, regions), so that a mistake is the
/// caller's error now rather than a failed query later. The query is recorded as queued before it is sent, so a
/// worker that takes it at once never records its start before the tracker knows the query.
/// </remarks>
public sealed class QuerySubmitter(IJobQueue queue, IQueryTracker tracker, TimeProvider? time = null, IteratorLoader? iteratorLoader = null)
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    /// <summary>
    /// Queues <paramref name="request"/> against <paramref name="table"/> and returns its query id: the request's
    /// own <see cref="QueryRequest.QueryId"/> when it has one (Sleeper's query JSON may give it), otherwise a new one.
    /// The results go to <c>query-results/&lt;queryId&gt;/</c> in the instance's store (or are only counted, for
    /// <see cref="QueryDestination.Discard"/>); follow the query with <see cref="IQueryTracker"/> and read its rows
    /// with <see cref="QueryResults"/>.
    /// </summary>
    /// <exception cref="SleeperException">The request does not fit the table, or its query id is taken or unusable.</exception>
    public async Task<string> SubmitAsync(SleeperTable table, QueryRequest request, QueryDestination destination = QueryDestination.Store,
        CancellationToken cancellationToken = default)
    {
        var schema = table.Schema;
        if (request.Regions.Count == 0)
        {
            throw new SleeperException($"A query of table {table.Name} needs at least one region.");
        }
        foreach (var name in request.OutputFieldNames(schema) ?? [])
        {
            if (schema.IndexOf(name) < 0)
            {
                throw new SleeperException($"'{name}' is not a field of table {table.Name} (fields: {string.Join(", ", schema.AllFields.Select(f => f.Name))}).");
            }
        }
        // The query's authorisations and iterator are checked as the worker will build them, so a malformed
        // authorisation or an iterator class that cannot be loaded is the caller's error now, not a failed query later.
        _ = QueryIterators.Create(schema, table.Properties, request, iteratorLoader);
        var queryId = request.QueryId ?? Guid.NewGuid().ToString();
        CheckQueryId(queryId);
        if ((await tracker.ReadEventsAsync(queryId, cancellationToken)).Count > 0)
        {
            throw new SleeperException($"Query id '{queryId}' has been used already; give each query its own id (or none, for a new one).");
        }
        using var span = SleeperTelemetry.Source.StartActivity("query.submit", System.Diagnostics.ActivityKind.Producer);
        span?.SetTag("sleeper.table", table.Name);
        span?.SetTag("sleeper.query.id", queryId);
        var message = new QueryMessage(queryId, null, table.Id, table.Name, request with { QueryId = queryId, TableName = table.Name }, destination,
            TraceParent: SleeperTelemetry.CurrentTraceParent());
        var body = QueryMessageSerDe.ToJson(message, schema);
        await tracker.RecordAsync(new QueryEvent(queryId, QueryEventKind.Queued, _time.GetUtcNow(), TableName: table.Name, Destination: destination.ToString()), cancellationToken);
        try
        {
            await queue.SendAsync(body, cancellationToken);
        }
        catch (Exception e) when (e is SleeperException or IOException)
        {
            await tracker.RecordAsync(new QueryEvent(queryId, QueryEventKind.Failed, _time.GetUtcNow(), Reason: $"could not be queued: {e.Message}"), CancellationToken.None);
            throw;
        }
        return queryId;
    }

    /// <summary>The id names the results' folder, so it must be a plain name.</summary>
    private static void CheckQueryId(string queryId)
    {
        if (queryId.Length is 0 or > 200 || queryId is "." or ".." || !queryId.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
        {
            throw new SleeperException($"Query id '{queryId}' cannot be used: it names the folder of the results, so use up to 200 letters, digits, '-', '_' and '.'.");
        }
    }
}
