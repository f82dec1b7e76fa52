using System.Text.Json.Nodes;
using Sleeper.BulkImport;
using Sleeper.Compaction;
using Sleeper.Core;
using Sleeper.Core.Compaction;
using Sleeper.Core.Ingest;
using Sleeper.Core.Jobs;
using Sleeper.Core.Query;
using Sleeper.Core.StateStore.Transactions;
using Sleeper.Core.Tables;
using Sleeper.Core.Tracking;
using Sleeper.Ingest;
using Sleeper.Instance;
using Sleeper.Query;
using Sleeper.Reports;

namespace Sleeper.Operations;

/// <summary>
/// <c>sleeper jobs retry</c>: sends dead-lettered jobs back to their queue (<see cref="IJobQueue.RedriveAsync"/>),
/// each as a new job that can run correctly after what the dead-letter sweep already did to the old one.
/// </summary>
/// <remarks>
/// <para>
/// First the queue's dead letters are swept as a worker would (<see cref="DeadLetterSweep"/>), so every letter
/// retried has been settled and recorded: a compaction job's input files are released, the job is recorded as
/// dead-lettered, a query as failed. That record is kept: the tracker records a job's dead-lettering once
/// (<see cref="IJobTracker.RecordOnceAsync"/>), so a job sent again under its old id could never be recorded or
/// settled again should it die again. Hence every retry runs under a new id, and the old job stays in the reports
/// as it ended.
/// </para>
/// <para>
/// Compaction: the old job's input files were released, and since then they may have been compacted, split or
/// assigned to another job. So the retry assigns the same files in the same partition to a new job, in one state
/// store commit that succeeds only if every one of them is still there and unassigned, and then sends the new job.
/// If any is not, the retry is refused with the reason, and the letter stays: the files are already in other hands,
/// and the next round of compaction job creation takes care of any that are free. A retry that dies after the
/// assignment leaves the new job stranded, which job creation sends again after the stranded timeout
/// (<see cref="StrandedAssignments"/>); the letter is then refused (its files are assigned).
/// </para>
/// <para>
/// Ingest and bulk import jobs hold nothing while they wait, so they are sent again as they were under a new id.
/// A query as submitted is sent again under a new query id (its results go under the new id); a sub-query under a
/// new sub-query id, with the parent's list of sub-queries updated to name it, so the parent completes with it.
/// </para>
/// </remarks>
public sealed class JobRetry(SleeperInstance instance)
{
    /// <summary>The queue a kind of job goes on: compaction, ingest, bulk-import, query.</summary>
    public static readonly IReadOnlyList<string> Kinds = [QueueNames.Compaction, QueueNames.Ingest, QueueNames.BulkImport, QueueNames.Query];

    /// <summary>
    /// Retries the dead letters of the queue of <paramref name="kind"/> that <paramref name="ids"/> name (by job id or
    /// message id), or every one when <paramref name="ids"/> is null.
    /// </summary>
    /// <exception cref="SleeperException">The kind is unknown, or an id names no dead letter of that queue.</exception>
    public async Task<IReadOnlyList<JobRetryResult>> RetryAsync(string kind, IReadOnlyList<string>? ids, CancellationToken cancellationToken = default)
    {
        if (!Kinds.Contains(kind))
        {
            throw new SleeperException($"There is no job queue '{kind}'; the job kinds are {string.Join(", ", Kinds)}.");
        }
        var queue = instance.Queue(kind);
        await SweepAsync(kind, queue, cancellationToken).ConfigureAwait(false);
        var letters = await DeadLetters.ListAsync(instance, null, [kind], cancellationToken).ConfigureAwait(false);
        var chosen = letters;
        if (ids is not null)
        {
            var missing = ids.Where(id => !letters.Any(l => l.Message.MessageId == id || l.JobId == id)).ToList();
            if (missing.Count > 0)
            {
                throw new SleeperException($"No dead letter of the {kind} queue has the job or message id {string.Join(", ", missing.Select(m => $"'{m}'"))}; " +
                    $"`sleeper status --report dead-letters` lists them.");
            }
            chosen = letters.Where(l => ids.Contains(l.Message.MessageId) || (l.JobId is not null && ids.Contains(l.JobId))).ToList();
        }
        var results = new List<JobRetryResult>();
        foreach (var letter in chosen)
        {
            results.Add(await RetryOneAsync(queue, letter, cancellationToken).ConfigureAwait(false));
        }
        return results;
    }

    private async Task<JobRetryResult> RetryOneAsync(IJobQueue queue, DeadLetter letter, CancellationToken cancellationToken)
    {
        if (letter.JobId is null)
        {
            return Refuse(letter, $"the message is not a job of the {letter.Queue} queue, so it cannot run; it stays for an operator to read");
        }
        try
        {
            return letter.Queue switch
            {
                QueueNames.Compaction => await RetryCompactionAsync(queue, letter, cancellationToken).ConfigureAwait(false),
                QueueNames.Ingest => await RetryIngestAsync(queue, letter, instance.IngestTracker, IngestAgain(letter.Message.Body), cancellationToken).ConfigureAwait(false),
                QueueNames.BulkImport => await RetryIngestAsync(queue, letter, instance.BulkImportTracker, BulkImportAgain(letter.Message.Body), cancellationToken).ConfigureAwait(false),
                _ => await RetryQueryAsync(queue, letter, cancellationToken).ConfigureAwait(false),
            };
        }
        catch (TableNotFoundException e)
        {
            return Refuse(letter, $"its table is gone ({e.Message})");
        }
        catch (SleeperException e)
        {
            // One letter that cannot be retried (its body unreadable as its kind, a store failing) does not stop the others.
            return Refuse(letter, e.Message);
        }
    }

    private async Task<JobRetryResult> RetryCompactionAsync(IJobQueue queue, DeadLetter letter, CancellationToken cancellationToken)
    {
        var old = CompactionJobSerDe.FromJson(letter.Message.Body);
        var table = await instance.OpenTableByIdAsync(old.TableId, cancellationToken).ConfigureAwait(false);
        var state = await table.StateStore.GetStateAsync(cancellationToken).ConfigureAwait(false);
        foreach (var file in old.InputFiles)
        {
            if (!state.TryGetReference(file, old.PartitionId, out var reference))
            {
                return Refuse(letter, $"its input file {file} is no longer referenced in partition {old.PartitionId} of table {table.Name} (compacted or split since); " +
                    "compaction job creation takes care of the partition's files");
            }
            if (reference.JobId is not null)
            {
                return Refuse(letter, $"its input file {file} in partition {old.PartitionId} of table {table.Name} is now assigned to compaction job {reference.JobId}");
            }
        }
        var now = instance.Time.GetUtcNow();
        var job = old with { JobId = NewId(), OutputFile = table.NewDataFileName(old.PartitionId), CreatedTime = now };
        try
        {
            await table.StateStore.CommitAsync(new AssignJobIdsTransaction([new AssignJobIdRequest(job.JobId, job.PartitionId, job.InputFiles)]), cancellationToken).ConfigureAwait(false);
        }
        catch (SleeperException e)
        {
            // Something took the files between the look above and the commit.
            return Refuse(letter, $"its input files could not be assigned to a new job: {e.Message}");
        }
        var messageId = await queue.RedriveAsync(letter.Message.MessageId, CompactionJobSerDe.ToJson(job), cancellationToken).ConfigureAwait(false);
        if (messageId is null)
        {
            // Another retry took the letter first; give the files back.
            await StrandedAssignments.ReleaseAsync(table, job.JobId, job.PartitionId, job.InputFiles, cancellationToken).ConfigureAwait(false);
            return Refuse(letter, "another retry sent it back first");
        }
        await instance.CompactionTracker.RecordAsync(new JobEvent(table.Id, job.JobId, JobEventKind.Created, now, PartitionId: job.PartitionId,
            InputFiles: job.InputFiles.Count, Reason: $"a retry of dead-lettered job {old.JobId}"), cancellationToken).ConfigureAwait(false);
        return new JobRetryResult(letter.Queue, letter.Message.MessageId, old.JobId, table.Name, job.JobId, messageId, null);
    }

    private static (string Body, string OldId, string NewId, IReadOnlyList<string> Files) IngestAgain(string body)
    {
        var job = IngestJobSerDe.IngestFromJson(body);
        var again = job with { Id = NewId() };
        return (IngestJobSerDe.ToJson(again), job.Id, again.Id, job.Files);
    }

    private static (string Body, string OldId, string NewId, IReadOnlyList<string> Files) BulkImportAgain(string body)
    {
        var job = IngestJobSerDe.BulkImportFromJson(body);
        var again = job with { Id = NewId() };
        return (IngestJobSerDe.ToJson(again), job.Id, again.Id, job.Files);
    }

    private async Task<JobRetryResult> RetryIngestAsync(IJobQueue queue, DeadLetter letter, IJobTracker tracker, (string Body, string OldId, string NewId, IReadOnlyList<string> Files) job, CancellationToken cancellationToken)
    {
        var newId = job.NewId;
        // A job of a table that is gone would only fail again.
        _ = letter.TableId is { } id
            ? await instance.OpenTableByIdAsync(id, cancellationToken).ConfigureAwait(false)
            : await instance.OpenTableAsync(letter.TableName ?? "", cancellationToken: cancellationToken).ConfigureAwait(false);
        var messageId = await queue.RedriveAsync(letter.Message.MessageId, job.Body, cancellationToken).ConfigureAwait(false);
        if (messageId is null)
        {
            return Refuse(letter, "another retry sent it back first");
        }
        if (letter.TableId is { } tableId)
        {
            await tracker.RecordAsync(new JobEvent(tableId, newId, JobEventKind.Created, instance.Time.GetUtcNow(), InputFiles: job.Files.Count, Files: job.Files,
                Reason: $"a retry of dead-lettered job {job.OldId}"), cancellationToken).ConfigureAwait(false);
        }
        return new JobRetryResult(letter.Queue, letter.Message.MessageId, job.OldId, letter.TableName, newId, messageId, null);
    }

    private async Task<JobRetryResult> RetryQueryAsync(IJobQueue queue, DeadLetter letter, CancellationToken cancellationToken)
    {
        var header = QueryMessageSerDe.ReadHeader(letter.Message.Body);
        var body = JsonNode.Parse(letter.Message.Body)!.AsObject();
        var now = instance.Time.GetUtcNow();
        if (header.SubQueryId is null)
        {
            var queryId = NewId();
            body["queryId"] = queryId;
            var messageId = await queue.RedriveAsync(letter.Message.MessageId, body.ToJsonString(), cancellationToken).ConfigureAwait(false);
            if (messageId is null)
            {
                return Refuse(letter, "another retry sent it back first");
            }
            await instance.QueryTracker.RecordAsync(new QueryEvent(queryId, QueryEventKind.Queued, now, TableName: header.TableName,
                Destination: body["destination"]?.GetValue<string>(), Reason: $"a retry of dead-lettered query {header.QueryId}"), cancellationToken).ConfigureAwait(false);
            return new JobRetryResult(letter.Queue, letter.Message.MessageId, letter.JobId, letter.TableName, queryId, messageId, null);
        }
        var parent = await instance.QueryTracker.GetQueryAsync(header.QueryId, cancellationToken).ConfigureAwait(false);
        if (parent is null || parent.SubQueries.All(s => s.SubQueryId != header.SubQueryId))
        {
            return Refuse(letter, $"query {header.QueryId} does not list sub-query {header.SubQueryId} any more");
        }
        var subQueryId = NewId();
        body["subQueryId"] = subQueryId;
        var redriven = await queue.RedriveAsync(letter.Message.MessageId, body.ToJsonString(), cancellationToken).ConfigureAwait(false);
        if (redriven is null)
        {
            return Refuse(letter, "another retry sent it back first");
        }
        // The newest split names the parent's sub-queries: the same list, with the new sub-query for the dead one.
        var subQueries = parent.SubQueries.Select(s => s.SubQueryId == header.SubQueryId
            ? new SubQueryRef(subQueryId, s.PartitionId ?? header.LeafPartitionId ?? "")
            : new SubQueryRef(s.SubQueryId, s.PartitionId ?? "")).ToList();
        await instance.QueryTracker.RecordAsync(new QueryEvent(header.QueryId, QueryEventKind.Split, now, SubQueries: subQueries,
            Reason: $"sub-query {header.SubQueryId} was dead-lettered and is retried as {subQueryId}"), cancellationToken).ConfigureAwait(false);
        return new JobRetryResult(letter.Queue, letter.Message.MessageId, letter.JobId, letter.TableName, $"{header.QueryId}/{subQueryId}", redriven, null);
    }

    /// <summary>Settles and records every dead letter of the queue first, as a worker's sweep would.</summary>
    private Task<DeadLetterSweepResult> SweepAsync(string kind, IJobQueue queue, CancellationToken cancellationToken)
    {
        var sweep = kind switch
        {
            QueueNames.Compaction => CompactionDeadLetters.Sweep(queue, instance.CompactionTracker, (id, ct) => instance.OpenTableByIdAsync(id, ct), instance.Time, "jobs-retry"),
            QueueNames.Ingest => IngestDeadLetters.Sweep(queue, instance.IngestTracker, OpenTableAsync, instance.Time, "jobs-retry"),
            QueueNames.BulkImport => BulkImportDeadLetters.Sweep(queue, instance.BulkImportTracker,
                (job, ct) => job.TableId is { } id ? instance.OpenTableByIdAsync(id, ct) : instance.OpenTableAsync(job.TableName!, cancellationToken: ct), instance.Time, "jobs-retry"),
            _ => QueryDeadLetters.Sweep(queue, instance.QueryTaskTracker, instance.QueryTracker, instance.Time, "jobs-retry"),
        };
        return sweep.RunAsync(null, cancellationToken);
    }

    private Task<SleeperTable> OpenTableAsync(IngestJob job, CancellationToken cancellationToken) =>
        job.TableId is { } id ? instance.OpenTableByIdAsync(id, cancellationToken) : instance.OpenTableAsync(job.TableName!, cancellationToken: cancellationToken);

    private static JobRetryResult Refuse(DeadLetter letter, string reason) =>
        new(letter.Queue, letter.Message.MessageId, letter.JobId, letter.TableName, null, null, reason);

    private static string NewId() => Guid.NewGuid().ToString();
}
