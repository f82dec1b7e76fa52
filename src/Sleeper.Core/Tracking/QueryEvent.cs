namespace Sleeper.Core.Tracking;

/// <summary>What happened to a query or to one of its sub-queries.</summary>
public enum QueryEventKind
{
    /// <summary>Put on the query queue (a parent query, by the submitter).</summary>
    Queued,

    /// <summary>A worker took it.</summary>
    Started,

    /// <summary>A parent was split into the leaf sub-queries listed on the event; the newest such event counts.</summary>
    Split,

    /// <summary>A sub-query wrote its results (or a parent finished without sub-queries).</summary>
    Completed,

    /// <summary>It failed for good, with a reason. Queries are not retried: a query that fails once fails again.</summary>
    Failed,
}

/// <summary>One leaf sub-query of a query, as the split that made it lists it.</summary>
public sealed record SubQueryRef(string SubQueryId, string PartitionId);

/// <summary>
/// One event in the life of a query (<see cref="SubQueryId"/> null) or of one of its sub-queries. Fields that do not
/// apply are null.
/// </summary>
/// <param name="TableName">The table queried (on Queued).</param>
/// <param name="Destination">Where the results go (on Queued): Store or Discard.</param>
/// <param name="Rows">Rows returned (on Completed).</param>
/// <param name="ResultsFile">The object the rows were written to (on Completed, when kept).</param>
/// <param name="SubQueries">The sub-queries, in key order of their leaves (on Split).</param>
public sealed record QueryEvent(
    string QueryId,
    QueryEventKind Kind,
    DateTimeOffset Time,
    string? SubQueryId = null,
    string? TableName = null,
    string? PartitionId = null,
    string? TaskId = null,
    long? Rows = null,
    string? ResultsFile = null,
    IReadOnlyList<SubQueryRef>? SubQueries = null,
    string? Reason = null,
    string? Destination = null);
