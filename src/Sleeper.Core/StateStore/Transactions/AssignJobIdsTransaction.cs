namespace Sleeper.Core.StateStore.Transactions;

/// <summary>Assigns a compaction job to input files in one partition.</summary>
public sealed record AssignJobIdRequest(string JobId, string PartitionId, IReadOnlyList<string> Filenames);

/// <summary>
/// Marks files as inputs of jobs; only if each reference exists in that partition and has no job yet, or already
/// has this same job. Assigning a job again is a no-op rather than a conflict because a job's message is sent before
/// its assignment commits, and the worker that takes it may commit the same assignment first (see
/// docs/compaction.md, "Crash safety").
/// </summary>
public sealed record AssignJobIdsTransaction(IReadOnlyList<AssignJobIdRequest> Requests) : IStateStoreTransaction
{
    public void Validate(StateStoreState state)
    {
        var claimed = new HashSet<(string, string)>();
        foreach (var request in Requests)
        {
            foreach (var filename in request.Filenames)
            {
                if (!state.TryGetReference(filename, request.PartitionId, out var reference))
                {
                    throw new StateStoreValidationException($"Cannot assign job '{request.JobId}': file '{filename}' has no reference in partition '{request.PartitionId}'.");
                }
                if (reference.JobId is not null && reference.JobId != request.JobId)
                {
                    throw new StateStoreValidationException($"Cannot assign job '{request.JobId}': file '{filename}' in partition '{request.PartitionId}' is already assigned to job '{reference.JobId}'.");
                }
                if (!claimed.Add((filename, request.PartitionId)))
                {
                    throw new StateStoreValidationException($"Cannot assign job '{request.JobId}': file '{filename}' is named twice in one transaction.");
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
                entry.References[request.PartitionId] = entry.References[request.PartitionId] with { JobId = request.JobId, LastUpdateTime = updateTime };
                entry.LastStateStoreUpdateTime = updateTime;
            }
        }
    }
}
