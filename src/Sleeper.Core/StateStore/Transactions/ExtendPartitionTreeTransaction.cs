using Sleeper.Core.Partitions;

namespace Sleeper.Core.StateStore.Transactions;

/// <summary>
/// Splits several leaves at once, possibly over several levels (used to pre-split a table before a bulk
/// import): the former leaves come back as non-leaves, with all the new partitions below them.
/// </summary>
public sealed record ExtendPartitionTreeTransaction(IReadOnlyList<Partition> UpdatedPartitions, IReadOnlyList<Partition> NewPartitions) : IStateStoreTransaction
{
    public void Validate(StateStoreState state)
    {
        foreach (var updated in UpdatedPartitions)
        {
            if (!state.Partitions.TryGetValue(updated.Id, out var existing))
            {
                throw new StateStoreValidationException($"Cannot extend the partition tree: partition '{updated.Id}' does not exist.");
            }
            if (!existing.IsLeaf)
            {
                throw new StateStoreValidationException($"Cannot extend the partition tree: partition '{updated.Id}' is no longer a leaf.");
            }
        }
        foreach (var p in NewPartitions)
        {
            if (state.Partitions.ContainsKey(p.Id))
            {
                throw new StateStoreValidationException($"Cannot extend the partition tree: partition id '{p.Id}' is already used.");
            }
        }
        var merged = state.Partitions.Values
            .Where(p => UpdatedPartitions.All(u => u.Id != p.Id))
            .Concat(UpdatedPartitions).Concat(NewPartitions).ToList();
        try
        {
            _ = new PartitionTree(merged);
        }
        catch (SleeperException e)
        {
            throw new StateStoreValidationException($"Cannot extend the partition tree: {e.Message}");
        }
    }

    public void Apply(StateStoreState state, DateTimeOffset updateTime)
    {
        foreach (var p in UpdatedPartitions.Concat(NewPartitions))
        {
            state.PutPartition(p);
        }
    }
}
