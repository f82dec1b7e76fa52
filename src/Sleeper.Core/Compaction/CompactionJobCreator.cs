using Sleeper.Core.Files;
using Sleeper.Core.StateStore;
using Sleeper.Core.StateStore.Transactions;
using Sleeper.Core.Tables;

namespace Sleeper.Core.Compaction;

/// <summary>
/// Creates compaction jobs for a table. References in non-leaf partitions are first pushed down to the
/// leaves (SplitFileReferences). The chosen inputs are assigned to their jobs in one AssignJobIds commit
/// before any job is queued; if another creator assigned some of the same files first, the commit fails
/// validation and the jobs are planned again from the new state, so no file is ever in two jobs.
/// </summary>
public sealed class CompactionJobCreator(SleeperTable table, TimeProvider? time = null)
{
    private const int MaxPlanningAttempts = 20;
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    public Task<IReadOnlyList<CompactionJob>> CreateJobsAsync(ICompactionStrategy strategy, CancellationToken cancellationToken = default) =>
        CreateJobsAsync(strategy, beforeAssigning: null, cancellationToken);

    /// <param name="beforeAssigning">
    /// Runs on each planned batch of jobs before their AssignJobIds commit: the dispatcher sends their messages
    /// here, so that no file is ever assigned to a job that no message names (see docs/compaction.md). If the
    /// commit then fails validation, those jobs may still be taken by a worker, which assigns them itself or
    /// finds them obsolete.
    /// </param>
    public async Task<IReadOnlyList<CompactionJob>> CreateJobsAsync(ICompactionStrategy strategy,
        Func<IReadOnlyList<CompactionJob>, CancellationToken, Task>? beforeAssigning, CancellationToken cancellationToken = default)
    {
        await PushReferencesDownAsync(cancellationToken);
        for (var attempt = 1; ; attempt++)
        {
            var state = await table.StateStore.GetStateAsync(cancellationToken);
            var plans = strategy.CreateJobs(table.Properties, state.PartitionTree(), state.AllReferences().ToList());
            if (plans.Count == 0)
            {
                return [];
            }
            var now = _time.GetUtcNow();
            var jobs = plans.Select(p => new CompactionJob(
                Guid.NewGuid().ToString(), table.Id, table.Name, p.PartitionId, p.InputFiles,
                table.NewDataFileName(p.PartitionId), now)).ToList();
            if (beforeAssigning is not null)
            {
                await beforeAssigning(jobs, cancellationToken);
            }
            try
            {
                await table.StateStore.CommitAsync(new AssignJobIdsTransaction(
                    jobs.Select(j => new AssignJobIdRequest(j.JobId, j.PartitionId, j.InputFiles)).ToList()), cancellationToken);
                return jobs;
            }
            catch (StateStoreValidationException) when (attempt < MaxPlanningAttempts)
            {
                // Another creator took some of these files first: plan again from what is left.
            }
        }
    }

    /// <summary>
    /// Moves every free reference in a non-leaf partition down to the partition's children, level by level,
    /// until all free references are in leaves. A child's share of the rows is estimated (an even split) and
    /// marked approximate, as Sleeper does.
    /// </summary>
    public async Task<int> PushReferencesDownAsync(CancellationToken cancellationToken = default)
    {
        var moved = 0;
        while (true)
        {
            var state = await table.StateStore.GetStateAsync(cancellationToken);
            var requests = new List<SplitFileReferenceRequest>();
            foreach (var reference in state.AllReferences())
            {
                if (reference.JobId is not null || !state.Partitions.TryGetValue(reference.PartitionId, out var partition) || partition.IsLeaf)
                {
                    continue;
                }
                var children = partition.ChildIds;
                var share = (reference.NumberOfRows + children.Count - 1) / children.Count;
                requests.Add(new SplitFileReferenceRequest(reference.Filename, reference.PartitionId, children.Select(c =>
                    new FileReference(reference.Filename, c, share, CountApproximate: true, OnlyContainsDataForThisPartition: false)).ToList()));
            }
            if (requests.Count == 0)
            {
                return moved;
            }
            try
            {
                await table.StateStore.CommitAsync(new SplitFileReferencesTransaction(requests), cancellationToken);
                moved += requests.Count;
            }
            catch (StateStoreValidationException)
            {
                // Someone else moved or assigned some of them meanwhile: look again.
            }
        }
    }
}
