namespace Sleeper.Core.Query;

/// <summary>
/// Where a queued query's rows go. A query run directly (<c>sleeper query</c> without <c>--queue</c>, or the
/// client's query methods) streams its rows back to the caller instead, and has no destination.
/// </summary>
public enum QueryDestination
{
    /// <summary>
    /// Parquet files in the instance's object store, one per leaf sub-query:
    /// <c>query-results/&lt;queryId&gt;/&lt;subQueryId&gt;.parquet</c>. Sleeper's <c>"destination": "S3"</c>,
    /// and the default.
    /// </summary>
    Store,

    /// <summary>
    /// The rows are counted and dropped (Sleeper's <c>NoResultsOutput</c>): the tracker still records how many
    /// there were, which is what a load test or a check wants.
    /// </summary>
    Discard,
}

/// <summary>Reads a destination from Sleeper's <c>resultsPublisherConfig</c>.</summary>
public static class QueryDestinations
{
    /// <summary>The key of Sleeper's <c>resultsPublisherConfig</c> naming the results' destination.</summary>
    public const string DestinationKey = "destination";

    /// <summary>The directory of the instance's object store that queued queries' results go under.</summary>
    public const string ResultsFolder = "query-results";

    /// <summary>The object name of one sub-query's results.</summary>
    public static string ResultsFile(string queryId, string subQueryId) => $"{ResultsFolder}/{queryId}/{subQueryId}.parquet";

    /// <summary>
    /// The destination a Sleeper <c>resultsPublisherConfig</c> asks for. Empty, or <c>destination</c> S3, is the
    /// instance's store (a bucket named in it is not used: the results go to the instance's own store, which the
    /// warnings say); <c>NoResultsOutput</c> discards. SQS and web sockets do not exist here and are refused.
    /// </summary>
    /// <param name="warnings">Gets a line for each part of the configuration that has no effect here.</param>
    /// <exception cref="SleeperException">The destination is one this implementation does not have.</exception>
    public static QueryDestination FromPublisherConfig(IReadOnlyDictionary<string, string> config, string source, ICollection<string> warnings)
    {
        var destination = config.TryGetValue(DestinationKey, out var d) ? d.Trim() : "";
        var result = destination.ToUpperInvariant() switch
        {
            "" or "S3" => QueryDestination.Store,
            "NORESULTSOUTPUT" => QueryDestination.Discard,
            _ => throw new SleeperException($"{source}: resultsPublisherConfig.destination '{destination}' is not available here; use S3 (results as Parquet under {ResultsFolder}/<queryId>/ in the instance's store) or NoResultsOutput (rows counted, not kept)."),
        };
        foreach (var (key, value) in config)
        {
            if (key != DestinationKey)
            {
                warnings.Add($"{source}: resultsPublisherConfig.{key} ('{value}') has no effect here; the results go to {ResultsFolder}/<queryId>/ in the instance's own store.");
            }
        }
        return result;
    }
}
