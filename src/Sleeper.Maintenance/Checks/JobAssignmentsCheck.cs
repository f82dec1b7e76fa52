using Sleeper.Core.Checks;
using Sleeper.Core.Tables;

namespace Sleeper.Maintenance.Checks;

/// <summary>
/// No file reference is in two jobs: a compaction job works on one partition, so the references assigned to a
/// job id must all be in one partition; a job id found in several means two jobs share it, and whichever
/// commits first would take the other's inputs. Whether an assigned job is still alive is the stranded
/// assignments check's question, not this one's.
/// </summary>
public sealed class JobAssignmentsCheck : ITableCheck
{
    public const string JobInTwoPartitions = "job-in-two-partitions";

    public string Name => "job assignments";

    public async Task<IReadOnlyList<TableProblem>> RunAsync(SleeperTable table, CancellationToken cancellationToken = default)
    {
        var state = await table.StateStore.GetStateAsync(cancellationToken);
        return state.AllReferences()
            .Where(r => r.JobId is not null)
            .GroupBy(r => r.JobId!, StringComparer.Ordinal)
            .Select(job => (Job: job.Key, Partitions: job.Select(r => r.PartitionId).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList()))
            .Where(job => job.Partitions.Count > 1)
            .OrderBy(job => job.Job, StringComparer.Ordinal)
            .Select(job => new TableProblem(JobInTwoPartitions, job.Job,
                $"Job '{job.Job}' holds file references in {job.Partitions.Count} partitions ({string.Join(", ", job.Partitions)}); a job compacts one.",
                Repairable: false))
            .ToList();
    }

    public Task<int> RepairAsync(SleeperTable table, IReadOnlyList<TableProblem> problems, CancellationToken cancellationToken = default) =>
        Task.FromResult(0);
}
