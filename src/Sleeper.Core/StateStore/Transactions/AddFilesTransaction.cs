using Sleeper.Core.Files;

namespace Sleeper.Core.StateStore.Transactions;

/// <summary>
/// Adds new files with their references; every file must be new and every partition must exist. With a job id
/// (an ingest or bulk import job), it is the job's one commit: the state remembers the job, and a second AddFiles
/// for it is rejected with <see cref="JobAlreadyCommittedException"/>, so a job retried after its commit (a
/// worker that died before deleting its message, or lost its claim) never adds its rows twice.
/// </summary>
public sealed record AddFilesTransaction(IReadOnlyList<FileReference> References, string? JobId = null) : IStateStoreTransaction
{
    public void Validate(StateStoreState state)
    {
        if (JobId is not null && state.HasCommittedJob(JobId))
        {
            throw new JobAlreadyCommittedException(JobId);
        }
        var seen = new HashSet<(string, string)>();
        foreach (var r in References)
        {
            if (state.Files.ContainsKey(r.Filename))
            {
                throw new StateStoreValidationException($"Cannot add file '{r.Filename}': it is already in the table.");
            }
            if (!state.Partitions.ContainsKey(r.PartitionId))
            {
                throw new StateStoreValidationException($"Cannot add file '{r.Filename}': partition '{r.PartitionId}' does not exist.");
            }
            if (r.JobId is not null)
            {
                throw new StateStoreValidationException($"Cannot add file '{r.Filename}' already assigned to job '{r.JobId}'.");
            }
            if (r.NumberOfRows < 0)
            {
                throw new StateStoreValidationException($"Cannot add file '{r.Filename}' with a negative row count.");
            }
            if (!seen.Add((r.Filename, r.PartitionId)))
            {
                throw new StateStoreValidationException($"Cannot add file '{r.Filename}': it is referenced twice from partition '{r.PartitionId}'.");
            }
        }
    }

    public void Apply(StateStoreState state, DateTimeOffset updateTime)
    {
        foreach (var r in References)
        {
            var entry = state.GetOrAddFile(r.Filename, updateTime);
            entry.LastStateStoreUpdateTime = updateTime;
            entry.References[r.PartitionId] = r with { LastUpdateTime = updateTime };
        }
        if (JobId is not null)
        {
            state.AddCommittedJob(JobId, updateTime);
        }
    }
}
