namespace Sleeper.Core.Tracking;

/// <summary>The state of a query or sub-query, with Sleeper's names for it in reports.</summary>
public enum QueryState
{
    Queued,
    InProgress,
    Completed,
    Failed,

    /// <summary>Every sub-query ended, some failed and some completed: the results are incomplete.</summary>
    PartiallyFailed,
}

/// <summary>One sub-query's life, folded from its events.</summary>
public sealed record SubQueryStatus(
    string SubQueryId,
    string? PartitionId,
    QueryState State,
    DateTimeOffset? Started,
    DateTimeOffset? Finished,
    long? Rows,
    string? ResultsFile,
    string? Error,
    string? TaskId);

/// <summary>
/// A query's life folded from its events: its state, its sub-queries, the rows returned and the times. A parent
/// split into sub-queries is complete when all of them completed, failed when all failed, partially failed when
/// all ended and some failed, and in progress until then.
/// </summary>
public sealed record QueryStatus(
    string QueryId,
    string? TableName,
    QueryState State,
    DateTimeOffset? Queued,
    DateTimeOffset? Started,
    DateTimeOffset? Finished,
    long RowsReturned,
    IReadOnlyList<SubQueryStatus> SubQueries,
    string? Error,
    string? Destination)
{
    /// <summary>Sleeper's name of a state, as reports show it: QUEUED, IN_PROGRESS, COMPLETED, FAILED, PARTIALLY_FAILED.</summary>
    public static string Name(QueryState state) => state switch
    {
        QueryState.Queued => "QUEUED",
        QueryState.InProgress => "IN_PROGRESS",
        QueryState.Completed => "COMPLETED",
        QueryState.Failed => "FAILED",
        _ => "PARTIALLY_FAILED",
    };

    /// <summary>Whether the query will change no more.</summary>
    public bool IsFinished => State is QueryState.Completed or QueryState.Failed or QueryState.PartiallyFailed;

    /// <summary>The time from being queued (or started) to the end, when it has ended.</summary>
    public TimeSpan? Duration => (Queued ?? Started) is { } from && Finished is { } to ? to - from : null;

    /// <summary>The files holding the results, in key order of the leaves, of the sub-queries that completed.</summary>
    public IReadOnlyList<string> ResultsFiles => SubQueries.Where(s => s.State == QueryState.Completed && s.ResultsFile is not null).Select(s => s.ResultsFile!).ToList();

    /// <summary>Folds events in the order recorded (later events win) into one status per query, oldest query first.</summary>
    public static IReadOnlyList<QueryStatus> Fold(IEnumerable<QueryEvent> events) =>
        events.GroupBy(e => e.QueryId, StringComparer.Ordinal).Select(g => FoldOne(g.Key, g.ToList()))
            .OrderBy(s => s.Queued ?? s.Started ?? DateTimeOffset.MaxValue).ToList();

    private static QueryStatus FoldOne(string queryId, List<QueryEvent> events)
    {
        var own = events.Where(e => e.SubQueryId is null).ToList();
        var queued = own.FirstOrDefault(e => e.Kind == QueryEventKind.Queued);
        var started = own.FirstOrDefault(e => e.Kind == QueryEventKind.Started);
        var split = own.LastOrDefault(e => e.Kind == QueryEventKind.Split);
        var failed = own.LastOrDefault(e => e.Kind == QueryEventKind.Failed);
        var completed = own.LastOrDefault(e => e.Kind == QueryEventKind.Completed);
        var subQueries = (split?.SubQueries ?? []).Select(s => FoldSub(s, events.Where(e => e.SubQueryId == s.SubQueryId).ToList())).ToList();
        var rows = subQueries.Where(s => s.State == QueryState.Completed).Sum(s => s.Rows ?? 0) + (split is null ? completed?.Rows ?? 0 : 0);
        QueryState state;
        DateTimeOffset? finished = null;
        string? error = null;
        if (failed is not null && (split is null || own.IndexOf(failed) > own.IndexOf(split)))
        {
            // The parent itself failed (its table gone, its plan impossible) after any split.
            (state, finished, error) = (QueryState.Failed, failed.Time, failed.Reason);
        }
        else if (split is not null)
        {
            if (subQueries.All(s => s.State is QueryState.Completed or QueryState.Failed))
            {
                var failures = subQueries.Count(s => s.State == QueryState.Failed);
                state = failures == 0 ? QueryState.Completed : failures == subQueries.Count ? QueryState.Failed : QueryState.PartiallyFailed;
                finished = subQueries.Select(s => s.Finished).Append(split.Time).Max();
                error = subQueries.FirstOrDefault(s => s.Error is not null)?.Error;
                if (failures > 0)
                {
                    error = $"{failures} of {subQueries.Count} sub-quer{(subQueries.Count == 1 ? "y" : "ies")} failed; first: {error}";
                }
            }
            else
            {
                state = QueryState.InProgress;
            }
        }
        else if (completed is not null)
        {
            (state, finished) = (QueryState.Completed, completed.Time);
        }
        else
        {
            state = started is not null || events.Any(e => e.SubQueryId is not null) ? QueryState.InProgress : QueryState.Queued;
        }
        return new QueryStatus(queryId, queued?.TableName ?? events.FirstOrDefault(e => e.TableName is not null)?.TableName, state,
            queued?.Time, started?.Time ?? subQueries.Min(s => s.Started), finished, rows, subQueries, error, queued?.Destination);
    }

    private static SubQueryStatus FoldSub(SubQueryRef sub, List<QueryEvent> events)
    {
        var started = events.LastOrDefault(e => e.Kind == QueryEventKind.Started);
        // The last word: a sub-query run again (its worker died and the queue handed it on) is judged by its newest run.
        var end = events.LastOrDefault(e => e.Kind is QueryEventKind.Completed or QueryEventKind.Failed);
        if (end is not null && started is not null && events.IndexOf(started) > events.IndexOf(end))
        {
            end = null;
        }
        var state = end?.Kind switch
        {
            QueryEventKind.Completed => QueryState.Completed,
            QueryEventKind.Failed => QueryState.Failed,
            _ => started is not null ? QueryState.InProgress : QueryState.Queued,
        };
        return new SubQueryStatus(sub.SubQueryId, sub.PartitionId, state, started?.Time, end?.Time,
            end?.Kind == QueryEventKind.Completed ? end.Rows : null, end?.ResultsFile,
            end?.Kind == QueryEventKind.Failed ? end.Reason : null, (end ?? started)?.TaskId);
    }
}
