using Sleeper.Core.Ingest.Batcher;
using Sleeper.Core.Jobs;
using Sleeper.Core.Properties;

namespace Sleeper.Ingest.Batcher;

/// <summary>What one batching round did for a table.</summary>
/// <param name="Plan">The jobs made this round (none while the files wait) and why.</param>
/// <param name="Sent">Jobs made this round whose messages went to their queues.</param>
/// <param name="Resent">Older jobs whose message had never been sent (their batcher died first), sent now.</param>
/// <param name="Failed">Jobs whose message could not be sent; a later round sends them again.</param>
public sealed record IngestBatcherRunResult(
    IngestBatcherPlan Plan,
    IReadOnlyList<IngestBatcherJob> Sent,
    IReadOnlyList<IngestBatcherJob> Resent,
    IReadOnlyList<IngestBatcherSendFailure> Failed);

/// <summary>A job whose message could not be sent, and why.</summary>
public sealed record IngestBatcherSendFailure(IngestBatcherJob Job, Exception Error);

/// <summary>
/// Runs the ingest batcher for a table: plans jobs from its pending files by <see cref="IngestBatcher"/>'s rules,
/// records them in the store (which takes their files out of the pending set, all at once), then sends each job to
/// its queue and records that it was sent.
/// </summary>
/// <remarks>
/// <para>
/// The files are claimed before the message is sent, so a file is never in two jobs. The price is a window
/// between the two: if this process dies in it, the job is recorded but its message was never sent. A job stays
/// marked unsent until its message is sent, and every round first re-sends, under the same job id, the unsent jobs
/// older than <see cref="ResendUnsentAfter"/> (long enough that their own batcher is not still about to send them).
/// </para>
/// <para>
/// So delivery is at least once: if the process dies after sending but before recording it, a later round sends
/// the job again with the same id and the same files. That is the promise the job queues make anyway (a message
/// whose worker dies is delivered again), so ingest workers already have to cope with it.
/// </para>
/// </remarks>
public sealed class IngestBatcherRunner
{
    public static readonly TimeSpan DefaultResendUnsentAfter = TimeSpan.FromMinutes(1);

    private readonly IIngestBatcherStore _store;
    private readonly Func<string, IJobQueue> _queues;
    private readonly TimeProvider _time;
    private readonly IngestBatcher _batcher;

    /// <param name="queues">The queue of each name in <see cref="QueueNames"/>.</param>
    /// <param name="newJobId">Job ids; random UUIDs unless given.</param>
    public IngestBatcherRunner(IIngestBatcherStore store, Func<string, IJobQueue> queues, TimeProvider time, Func<string>? newJobId = null)
    {
        _store = store;
        _queues = queues;
        _time = time;
        _batcher = new IngestBatcher(time, newJobId);
    }

    /// <summary>How old an unsent job must be before a round sends it in place of the batcher that made it.</summary>
    public TimeSpan ResendUnsentAfter { get; init; } = DefaultResendUnsentAfter;

    /// <summary>Runs one round for the table: re-sends stranded jobs, then batches its pending files if the rules say so (or all of them, with <paramref name="flush"/>).</summary>
    public async Task<IngestBatcherRunResult> RunAsync(string tableId, SleeperProperties tableProperties, bool flush = false, CancellationToken cancellationToken = default)
    {
        var failed = new List<IngestBatcherSendFailure>();
        var stranded = (await _store.GetJobsAsync(tableId, cancellationToken))
            .Where(j => j.SentTime is null && j.CreatedTime <= _time.GetUtcNow() - ResendUnsentAfter)
            .ToList();
        var resent = await SendAsync(tableId, stranded, failed, cancellationToken);
        while (true)
        {
            var pending = await _store.GetPendingFilesAsync(tableId, cancellationToken);
            var plan = _batcher.Plan(tableId, tableProperties, pending, flush);
            if (plan.Jobs.Count == 0)
            {
                return new IngestBatcherRunResult(plan, [], resent, failed);
            }
            if (await _store.TryAssignJobsAsync(tableId, plan.Jobs, cancellationToken))
            {
                var sent = await SendAsync(tableId, plan.Jobs, failed, cancellationToken);
                return new IngestBatcherRunResult(plan, sent, resent, failed);
            }
            // Another batcher took some of these files meanwhile: plan again from what is still pending.
        }
    }

    private async Task<List<IngestBatcherJob>> SendAsync(string tableId, IReadOnlyList<IngestBatcherJob> jobs, List<IngestBatcherSendFailure> failed, CancellationToken cancellationToken)
    {
        var sent = new List<IngestBatcherJob>();
        foreach (var job in jobs)
        {
            try
            {
                await _queues(job.Queue).SendAsync(IngestBatcherQueue.MessageFor(job), cancellationToken);
                sent.Add(job);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // Left unsent in the store, so a later round sends it; the others still go now.
                failed.Add(new IngestBatcherSendFailure(job, e));
            }
        }
        if (sent.Count > 0)
        {
            var sentTime = _time.GetUtcNow();
            await _store.MarkJobsSentAsync(tableId, sent.Select(j => j.JobId).ToList(), sentTime, cancellationToken);
            sent = sent.Select(j => j with { SentTime = sentTime }).ToList();
        }
        return sent;
    }
}
