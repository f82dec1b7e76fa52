using Sleeper.Core.Compaction;
using Sleeper.Core.Jobs;
using Sleeper.Core.Tables;
using Sleeper.Core.Tracking;

namespace Sleeper.Compaction;

/// <summary>What one round of compaction job creation did: the jobs it created and sent, and the stranded jobs it found and repaired.</summary>
public sealed record CompactionDispatchResult(IReadOnlyList<CompactionJob> Jobs, IReadOnlyList<StrandedJob> Stranded, int Resent, int Released);

/// <summary>
/// Creates a table's compaction jobs and sends them to the compaction queue, in an order that a crash at any point
/// cannot turn into files assigned to a job that no message names: each batch's messages are sent (and their
/// creation recorded) before the batch's one AssignJobIds commit. A worker that takes a message whose assignment
/// never committed assigns the job itself, or drops it as obsolete. Every round first sweeps the table for jobs
/// stranded some other way (a dead-lettered job, a lost message) and sends them again or releases their files (see
/// <see cref="StrandedAssignments"/>), then sweeps the table's compaction dead letters (<see cref="CompactionDeadLetters"/>),
/// so that a job the queue gave up on is reported as such even where no worker runs.
/// </summary>
public sealed class CompactionJobDispatcher(IJobQueue queue, IJobTracker tracker, TimeProvider? time = null)
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    public async Task<CompactionDispatchResult> CreateJobsAsync(SleeperTable table, ICompactionStrategy strategy, CancellationToken cancellationToken = default)
    {
        var sweep = new StrandedAssignments(queue, tracker, _time);
        var stranded = await sweep.FindAsync(table, cancellationToken);
        var (resent, released) = stranded.Count > 0 ? await sweep.RepairAsync(table, stranded, cancellationToken) : (0, 0);
        if (!stranded.Any(j => j.DeadLettered))
        {
            // (The repair of a dead-lettered job sweeps already.) A sweep of one table opens no other.
            await CompactionDeadLetters.Sweep(queue, tracker, (_, _) => Task.FromResult(table), _time).RunAsync(table.Id, cancellationToken);
        }
        var jobs = await new CompactionJobCreator(table, _time).CreateJobsAsync(strategy, SendAsync, cancellationToken);
        return new CompactionDispatchResult(jobs, stranded, resent, released);
    }

    private async Task SendAsync(IReadOnlyList<CompactionJob> jobs, CancellationToken cancellationToken)
    {
        foreach (var job in jobs)
        {
            // Recorded after the send, so a creator killed in between leaves no job the reports call pending for
            // good. A sweep needs no event to see that a job is young: its assignment commits after this, and
            // that commit's time counts as a sign of life.
            await queue.SendAsync(CompactionJobSerDe.ToJson(job), cancellationToken);
            await tracker.RecordAsync(new JobEvent(job.TableId, job.JobId, JobEventKind.Created, job.CreatedTime,
                PartitionId: job.PartitionId, InputFiles: job.InputFiles.Count), cancellationToken);
        }
    }
}
