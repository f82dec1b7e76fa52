using Sleeper.Core;
using Sleeper.Core.Compaction;
using Sleeper.Core.Jobs;
using Sleeper.Core.Tables;
using Sleeper.Core.Tracking;

namespace Sleeper.Compaction;

/// <summary>
/// The compaction queue's dead letters, for a <see cref="DeadLetterSweep"/>: a dead-lettered job's input files that
/// are still assigned to it are released (<see cref="StrandedAssignments.ReleaseAsync"/>) so a later job can compact
/// them, before the job's end is recorded.
/// </summary>
public sealed class CompactionDeadLetters(Func<string, CancellationToken, Task<SleeperTable>> openTableById) : IDeadLetterHandler
{
    /// <summary>A sweep of the compaction dead letters in <paramref name="queue"/>, recording on <paramref name="tracker"/>.</summary>
    public static DeadLetterSweep Sweep(IJobQueue queue, IJobTracker tracker, Func<string, CancellationToken, Task<SleeperTable>> openTableById, TimeProvider? time = null, string? taskId = null) =>
        new(queue, tracker, new CompactionDeadLetters(openTableById), time) { TaskId = taskId };

    public Task<DeadLetteredJob?> ReadAsync(QueuedMessage letter, CancellationToken cancellationToken) =>
        Task.FromResult(TryRead(letter.Body) is { } job ? new DeadLetteredJob(job.TableId, job.JobId, job.PartitionId, letter) : null);

    public async Task<string?> SettleAsync(DeadLetteredJob job, CancellationToken cancellationToken)
    {
        var compaction = TryRead(job.Letter.Body)!;
        SleeperTable table;
        try
        {
            table = await openTableById(compaction.TableId, cancellationToken);
        }
        catch (SleeperException e)
        {
            // Most likely deleted. If it comes back, its next round of job creation releases whatever is still assigned
            // to this job (StrandedAssignments), from the dead letters alone.
            return $"its table could not be opened ({e.Message}), so its input files were not released here";
        }
        await StrandedAssignments.ReleaseAsync(table, compaction.JobId, compaction.PartitionId, compaction.InputFiles, cancellationToken);
        return "none of its input files is assigned to it any more, so a later job can compact them";
    }

    private static CompactionJob? TryRead(string body)
    {
        try
        {
            return CompactionJobSerDe.FromJson(body);
        }
        catch (Exception e) when (e is SleeperException or System.Text.Json.JsonException)
        {
            return null;
        }
    }
}
