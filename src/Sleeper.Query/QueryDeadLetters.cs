using Sleeper.Core;
using Sleeper.Core.Jobs;
using Sleeper.Core.Query;
using Sleeper.Core.Tracking;

namespace Sleeper.Query;

/// <summary>
/// The query queue's dead letters, for a <see cref="DeadLetterSweep"/>: a query or sub-query whose message went to
/// the dead letters (its workers died each time they ran it) is recorded as failed on the query tracker, so its
/// parent does not wait for it for ever. Recording the failure again is harmless, as the sweep requires.
/// </summary>
public sealed class QueryDeadLetters(IQueryTracker queries, TimeProvider? time = null) : IDeadLetterHandler
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    /// <summary>A sweep of the query dead letters in <paramref name="queue"/>, recording on both trackers.</summary>
    public static DeadLetterSweep Sweep(IJobQueue queue, IJobTracker tasks, IQueryTracker queries, TimeProvider? time = null, string? taskId = null) =>
        new(queue, tasks, new QueryDeadLetters(queries, time), time) { TaskId = taskId };

    /// <summary>The job id a dead letter is recorded under on the task tracker: the query id, and the sub-query's after a '/'.</summary>
    public static string JobId(QueryMessageHeader header) => header.SubQueryId is null ? header.QueryId : $"{header.QueryId}/{header.SubQueryId}";

    public Task<DeadLetteredJob?> ReadAsync(QueuedMessage letter, CancellationToken cancellationToken)
    {
        try
        {
            var header = QueryMessageSerDe.ReadHeader(letter.Body);
            return Task.FromResult<DeadLetteredJob?>(new DeadLetteredJob(header.TableId, JobId(header), header.LeafPartitionId, letter));
        }
        catch (SleeperException)
        {
            return Task.FromResult<DeadLetteredJob?>(null);
        }
    }

    public async Task<string?> SettleAsync(DeadLetteredJob job, CancellationToken cancellationToken)
    {
        var header = QueryMessageSerDe.ReadHeader(job.Letter.Body);
        await queries.RecordAsync(new QueryEvent(header.QueryId, QueryEventKind.Failed, _time.GetUtcNow(), header.SubQueryId, PartitionId: header.LeafPartitionId,
            Reason: $"its worker stopped without finishing it {job.Letter.ReceiveCount} time(s), so it went to the dead letters"), cancellationToken);
        return "recorded as failed on the query tracker";
    }
}
