namespace Sleeper.Core.StateStore.Transactions;

/// <summary>
/// Takes files back from a job that will never finish (dead-lettered), so a later job can compact them;
/// only if each reference is still assigned to that job. Not one of Sleeper's own transactions: Sleeper
/// leaves such files assigned for good.
/// </summary>
public sealed record ReleaseJobIdsTransaction(IReadOnlyList<AssignJobIdRequest> Requests) : IStateStoreTransaction
{
    public void Validate(StateStoreState state)
    {
        foreach (var request in Requests)
        {
            foreach (var filename in request.Filenames)
            {
                if (!state.TryGetReference(filename, request.PartitionId, out var reference))
                {
                    throw new StateStoreValidationException($"Cannot release job '{request.JobId}': file '{filename}' has no reference in partition '{request.PartitionId}'.");
                }
                if (reference.JobId != request.JobId)
                {
                    throw new StateStoreValidationException($"Cannot release job '{request.JobId}': file '{filename}' in partition '{request.PartitionId}' is assigned to {(reference.JobId is null ? "no job" : $"job '{reference.JobId}'")}.");
                }
            }
        }
    }

    public void Apply(StateStoreState state, DateTimeOffset updateTime)
    {
        foreach (var request in Requests)
        {
            foreach (var filename in request.Filenames)
            {
                var entry = state.Files[filename];
                entry.References[request.PartitionId] = entry.References[request.PartitionId] with { JobId = null, LastUpdateTime = updateTime };
                entry.LastStateStoreUpdateTime = updateTime;
            }
        }
    }
}
