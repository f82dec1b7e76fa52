using Sleeper.Core.Partitions;

namespace Sleeper.Core.StateStore.Transactions;

/// <summary>Splits a leaf into children; only if the parent is still a leaf.</summary>
public sealed record SplitPartitionTransaction(Partition Parent, IReadOnlyList<Partition> NewChildren) : IStateStoreTransaction
{
    public void Validate(StateStoreState state)
    {
        if (!state.Partitions.TryGetValue(Parent.Id, out var existing))
        {
            throw new StateStoreValidationException($"Cannot split partition '{Parent.Id}': it does not exist.");
        }
        if (!existing.IsLeaf)
        {
            throw new StateStoreValidationException($"Cannot split partition '{Parent.Id}': it is no longer a leaf.");
        }
        if (Parent.IsLeaf || !Parent.ChildIds.SequenceEqual(NewChildren.Select(c => c.Id)))
        {
            throw new StateStoreValidationException($"Cannot split partition '{Parent.Id}': the updated parent must list exactly the new children.");
        }
        foreach (var child in NewChildren)
        {
            if (state.Partitions.ContainsKey(child.Id))
            {
                throw new StateStoreValidationException($"Cannot split partition '{Parent.Id}': child id '{child.Id}' is already used.");
            }
            if (child.ParentId != Parent.Id || !child.IsLeaf)
            {
                throw new StateStoreValidationException($"Cannot split partition '{Parent.Id}': child '{child.Id}' must be a leaf naming it as parent.");
            }
        }
    }

    public void Apply(StateStoreState state, DateTimeOffset updateTime)
    {
        state.PutPartition(Parent);
        foreach (var child in NewChildren)
        {
            state.PutPartition(child);
        }
    }
}
