using System.Runtime.CompilerServices;
using Apache.Arrow;
using Sleeper.Core;
using Sleeper.Core.Query;
using Sleeper.Core.Storage;
using Sleeper.Core.Tracking;
using Sleeper.Parquet;

namespace Sleeper.Query;

/// <summary>
/// Reads the results of a queued query from the instance's store: the files its completed sub-queries wrote, in
/// key order of their leaves, as the tracker lists them (files an abandoned attempt may have left beside them are
/// not results). Each file is in key order; leaves split on the first row key follow each other in key order too.
/// </summary>
public sealed class QueryResults(IObjectStore store, IQueryTracker tracker)
{
    /// <summary>The query's status; an error when the tracker has never heard of it.</summary>
    public async Task<QueryStatus> GetStatusAsync(string queryId, CancellationToken cancellationToken = default) =>
        await tracker.GetQueryAsync(queryId, cancellationToken)
        ?? throw new SleeperException($"No query has id '{queryId}' in this instance's query tracker.");

    /// <summary>
    /// Waits until the query has finished (completed, failed or partially failed), looking at the tracker every
    /// <paramref name="pollInterval"/> (default 100 ms), and returns its status; cancel the token to stop waiting.
    /// Nothing here runs the query: a worker must (<c>sleeper worker query</c>, or a <see cref="QueryWorker"/>).
    /// </summary>
    public async Task<QueryStatus> WaitAsync(string queryId, TimeSpan? pollInterval = null, TimeProvider? time = null, CancellationToken cancellationToken = default)
    {
        while (true)
        {
            var status = await GetStatusAsync(queryId, cancellationToken);
            if (status.IsFinished)
            {
                return status;
            }
            await Task.Delay(pollInterval ?? TimeSpan.FromMilliseconds(100), time ?? TimeProvider.System, cancellationToken);
        }
    }

    /// <summary>The names, in the store, of the files holding the query's rows so far.</summary>
    public async Task<IReadOnlyList<string>> ListFilesAsync(string queryId, CancellationToken cancellationToken = default) =>
        (await GetStatusAsync(queryId, cancellationToken)).ResultsFiles;

    /// <summary>
    /// The query's rows, file after file. With <paramref name="requireComplete"/> (the default) a query that has not
    /// completed is an error naming its state, so a partial answer is never mistaken for the whole.
    /// </summary>
    public async IAsyncEnumerable<RecordBatch> ReadAsync(string queryId, bool requireComplete = true, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var status = await GetStatusAsync(queryId, cancellationToken);
        if (requireComplete && status.State != QueryState.Completed)
        {
            throw new SleeperException($"Query {queryId} is {QueryStatus.Name(status.State)}{(status.Error is null ? "" : $" ({status.Error})")}, so its results are not complete.");
        }
        if (status.Destination == nameof(QueryDestination.Discard))
        {
            throw new SleeperException($"Query {queryId} kept no rows: its results were discarded (NoResultsOutput); it returned {status.RowsReturned:N0}.");
        }
        foreach (var file in status.ResultsFiles)
        {
            await foreach (var batch in QueryResultsParquet.ReadAsync(store, file, cancellationToken))
            {
                yield return batch;
            }
        }
    }

    /// <summary>Deletes every object under the query's results folder; returns how many.</summary>
    public async Task<int> DeleteAsync(string queryId, CancellationToken cancellationToken = default)
    {
        var deleted = 0;
        await foreach (var stored in store.ListAsync($"{QueryDestinations.ResultsFolder}/{queryId}/", cancellationToken))
        {
            if (await store.DeleteAsync(stored.Name, cancellationToken))
            {
                deleted++;
            }
        }
        return deleted;
    }
}
