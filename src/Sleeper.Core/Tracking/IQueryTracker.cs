namespace Sleeper.Core.Tracking;

/// <summary>
/// The port for recording and reading the lives of queued queries and their leaf sub-queries (a file in embedded
/// mode, a database table distributed). Events are only ever appended; a query's state is folded from them by
/// <see cref="QueryStatus.Fold"/>, so workers on many machines record without coordinating, and a parent query
/// is complete when the last of its sub-queries records its end.
/// </summary>
public interface IQueryTracker
{
    Task RecordAsync(QueryEvent queryEvent, CancellationToken cancellationToken = default);

    /// <summary>The events of one query (with its sub-queries), or of every query when <paramref name="queryId"/> is null, in the order recorded.</summary>
    Task<IReadOnlyList<QueryEvent>> ReadEventsAsync(string? queryId = null, CancellationToken cancellationToken = default);
}

/// <summary>Reads folded statuses from a query tracker.</summary>
public static class QueryTrackerExtensions
{
    /// <summary>Every query the tracker knows, oldest first.</summary>
    public static async Task<IReadOnlyList<QueryStatus>> ListQueriesAsync(this IQueryTracker tracker, CancellationToken cancellationToken = default) =>
        QueryStatus.Fold(await tracker.ReadEventsAsync(null, cancellationToken));

    /// <summary>One query's status, or null when the tracker has never heard of it.</summary>
    public static async Task<QueryStatus?> GetQueryAsync(this IQueryTracker tracker, string queryId, CancellationToken cancellationToken = default) =>
        QueryStatus.Fold(await tracker.ReadEventsAsync(queryId, cancellationToken)).SingleOrDefault();
}
