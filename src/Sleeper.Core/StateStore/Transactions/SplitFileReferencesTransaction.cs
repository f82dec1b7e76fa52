using Sleeper.Core.Files;

namespace Sleeper.Core.StateStore.Transactions;

/// <summary>Moves a reference from a partition down to references in its children.</summary>
public sealed record SplitFileReferenceRequest(string Filename, string FromPartitionId, IReadOnlyList<FileReference> NewReferences);

/// <summary>Pushes file references from non-leaf partitions down the tree.</summary>
public sealed record SplitFileReferencesTransaction(IReadOnlyList<SplitFileReferenceRequest> Requests) : IStateStoreTransaction
{
    public void Validate(StateStoreState state)
    {
        foreach (var request in Requests)
        {
            if (!state.TryGetReference(request.Filename, request.FromPartitionId, out var old))
            {
                throw new StateStoreValidationException($"Cannot split reference to file '{request.Filename}': it has no reference in partition '{request.FromPartitionId}'.");
            }
            if (old.JobId is not null)
            {
                throw new StateStoreValidationException($"Cannot split reference to file '{request.Filename}' in partition '{request.FromPartitionId}': it is assigned to job '{old.JobId}'.");
            }
            var parent = state.Partitions[request.FromPartitionId];
            foreach (var n in request.NewReferences)
            {
                if (n.Filename != request.Filename)
                {
                    throw new StateStoreValidationException($"Cannot split reference to file '{request.Filename}' into a reference to another file '{n.Filename}'.");
                }
                if (!parent.ChildIds.Contains(n.PartitionId))
                {
                    throw new StateStoreValidationException($"Cannot split reference to file '{request.Filename}': partition '{n.PartitionId}' is not a child of '{request.FromPartitionId}'.");
                }
                if (state.TryGetReference(n.Filename, n.PartitionId, out _))
                {
                    throw new StateStoreValidationException($"Cannot split reference to file '{request.Filename}': partition '{n.PartitionId}' already references it.");
                }
            }
        }
    }

    public void Apply(StateStoreState state, DateTimeOffset updateTime)
    {
        foreach (var request in Requests)
        {
            var entry = state.Files[request.Filename];
            entry.References.Remove(request.FromPartitionId);
            foreach (var n in request.NewReferences)
            {
                entry.References[n.PartitionId] = n with { JobId = null, LastUpdateTime = updateTime };
            }
            entry.LastStateStoreUpdateTime = updateTime;
        }
    }
}
