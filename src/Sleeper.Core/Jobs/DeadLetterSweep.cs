using System.Collections.Concurrent;
using Sleeper.Core.Tracking;

namespace Sleeper.Core.Jobs;

/// <summary>What one sweep of a queue's dead letters found and did.</summary>
/// <param name="Letters">Every dead letter of the tables swept (of all tables, when none was given), whether recorded now or before.</param>
/// <param name="Reported">How many dead-lettered jobs this sweep recorded on the tracker; one that a sweep elsewhere recorded first is not counted.</param>
/// <param name="Deferred">The letters that could not be settled now, each with why (a store unreachable); the next sweep tries them again.</param>
public sealed record DeadLetterSweepResult(IReadOnlyList<QueuedMessage> Letters, int Reported, IReadOnlyList<string> Deferred);

/// <summary>
/// Acts on a queue's dead letters from the dead letters alone: for each dead-lettered job not yet handled, settles
/// what the job held (<see cref="IDeadLetterHandler.SettleAsync"/>) and then records, exactly once, a
/// <see cref="JobEventKind.DeadLettered"/> event with its last failure on the tracker.
/// </summary>
/// <remarks>
/// <para>
/// Why a sweep and not a word from the queue: on SQS the server moves a message to the dead-letter queue by its
/// redrive policy, and no receiver is told. So no process can be relied on to hear of a dead letter; every one of
/// them can look. Workers sweep when they start and when their queue runs dry after a failure, and compaction job
/// creation sweeps each table it visits, so a dead letter is reported within moments in the embedded mode too.
/// </para>
/// <para>
/// The sweep may run any number of times, in any number of processes at once, and be killed at any point. The
/// event is what marks a job as handled, and it is recorded only after the job is settled: a sweep that dies in
/// between leaves the job unmarked, and the next one settles it again (settling is idempotent) and records it. The
/// tracker decides alone which of several sweeps records the event (<see cref="IJobTracker.RecordOnceAsync"/>), so
/// two sweeps at once record it once.
/// </para>
/// </remarks>
public sealed class DeadLetterSweep(IJobQueue queue, IJobTracker tracker, IDeadLetterHandler handler, TimeProvider? time = null)
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    // Letters known to be handled (their job's event is recorded, or they name no job), with the table each belongs
    // to. Events are never removed, so a letter found handled once is never read or looked up again by this object.
    private readonly ConcurrentDictionary<string, string?> _handled = new(StringComparer.Ordinal);

    /// <summary>The task recorded on the events this sweep writes (a worker's id), or null.</summary>
    public string? TaskId { get; init; }

    /// <summary>Sweeps the dead letters of one table, or of every table when <paramref name="tableId"/> is null.</summary>
    public async Task<DeadLetterSweepResult> RunAsync(string? tableId = null, CancellationToken cancellationToken = default)
    {
        var letters = new List<QueuedMessage>();
        var pending = new List<DeadLetteredJob>();
        foreach (var letter in await queue.GetDeadLettersAsync(cancellationToken))
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (_handled.TryGetValue(letter.MessageId, out var handledTable))
            {
                if (tableId is null || handledTable == tableId)
                {
                    letters.Add(letter);
                }
                continue;
            }
            var job = await handler.ReadAsync(letter, cancellationToken);
            if (job is null)
            {
                _handled[letter.MessageId] = null;
                if (tableId is null)
                {
                    letters.Add(letter);
                }
                continue;
            }
            if (tableId is null || job.TableId == tableId)
            {
                letters.Add(letter);
                pending.Add(job);
            }
        }
        var reported = 0;
        var deferred = new List<string>();
        foreach (var table in pending.GroupBy(j => j.TableId, StringComparer.Ordinal))
        {
            var events = await tracker.ReadJobEventsAsync(table.Key, cancellationToken);
            var recorded = events.Where(e => e.Kind == JobEventKind.DeadLettered).Select(e => e.JobId).ToHashSet(StringComparer.Ordinal);
            var lastFailures = events.Where(e => e.Kind == JobEventKind.Failed && e.Reason is not null)
                .GroupBy(e => e.JobId, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Last().Reason!, StringComparer.Ordinal);
            foreach (var job in table)
            {
                if (!recorded.Contains(job.JobId))
                {
                    try
                    {
                        if (await tracker.RecordOnceAsync(await SettleAsync(job, lastFailures.GetValueOrDefault(job.JobId), cancellationToken), cancellationToken))
                        {
                            reported++;
                        }
                    }
                    catch (Exception e) when (e is SleeperException or IOException)
                    {
                        deferred.Add($"dead-lettered job {job.JobId} of table {job.TableId}: {e.Message}");
                        continue;
                    }
                    // Another copy of the job's message may be among these letters too (a job sent again, then dead-lettered twice).
                    recorded.Add(job.JobId);
                }
                _handled[job.Letter.MessageId] = job.TableId;
            }
        }
        return new DeadLetterSweepResult(letters, reported, deferred);
    }

    private async Task<JobEvent> SettleAsync(DeadLetteredJob job, string? lastFailure, CancellationToken cancellationToken)
    {
        var outcome = await handler.SettleAsync(job, cancellationToken);
        var attempts = job.Letter.ReceiveCount;
        var reason = $"dead-lettered after {attempts} attempt{(attempts == 1 ? "" : "s")}"
            + (outcome is null ? "" : $"; {outcome}")
            + (lastFailure is null ? "" : $"; last failure: {lastFailure}");
        return new JobEvent(job.TableId, job.JobId, JobEventKind.DeadLettered, _time.GetUtcNow(), TaskId, job.PartitionId, Reason: reason);
    }
}
