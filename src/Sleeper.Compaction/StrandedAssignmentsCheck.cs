using Sleeper.Core.Checks;
using Sleeper.Core.Jobs;
using Sleeper.Core.Tables;
using Sleeper.Core.Tracking;

namespace Sleeper.Compaction;

/// <summary>
/// The table check for stranded compaction assignments (<see cref="StrandedAssignments"/>): one
/// <c>stranded-assignment</c> problem per job, whose subject is the job id. Repair sends the job again, or
/// releases its files if it was dead-lettered.
/// </summary>
public sealed class StrandedAssignmentsCheck(IJobQueue compactionQueue, IJobTracker compactionTracker, TimeProvider? time = null) : ITableCheck
{
    public const string Kind = "stranded-assignment";

    private readonly StrandedAssignments _sweep = new(compactionQueue, compactionTracker, time);

    public string Name => "stranded assignments";

    public async Task<IReadOnlyList<TableProblem>> RunAsync(SleeperTable table, CancellationToken cancellationToken = default) =>
        (await _sweep.FindAsync(table, cancellationToken)).Select(Describe).ToList();

    public async Task<int> RepairAsync(SleeperTable table, IReadOnlyList<TableProblem> problems, CancellationToken cancellationToken = default)
    {
        var wanted = problems.Where(p => p.Kind == Kind).Select(p => p.Subject).ToHashSet(StringComparer.Ordinal);
        if (wanted.Count == 0)
        {
            return 0;
        }
        // Found again rather than trusted: a job reported a moment ago may have been taken up since.
        var stranded = (await _sweep.FindAsync(table, cancellationToken)).Where(j => wanted.Contains(j.JobId)).ToList();
        var (resent, released) = await _sweep.RepairAsync(table, stranded, cancellationToken);
        return resent + released;
    }

    private static TableProblem Describe(StrandedJob job) => new(Kind, job.JobId,
        job.DeadLettered
            ? $"{job.InputFiles.Count} file(s) in partition '{job.PartitionId}' are assigned to compaction job '{job.JobId}', which was dead-lettered; repair releases them for a later job"
            : $"{job.InputFiles.Count} file(s) in partition '{job.PartitionId}' are assigned to compaction job '{job.JobId}', which no queue holds and of which nothing has been heard since {job.LastSeen:u}; repair sends it again",
        Repairable: true);
}
