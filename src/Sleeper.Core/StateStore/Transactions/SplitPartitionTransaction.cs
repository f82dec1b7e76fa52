using Sleeper.Core.Keys;
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
        if (Parent.ParentId != existing.ParentId || !Parent.Region.Equals(existing.Region))
        {
            throw new StateStoreValidationException($"Cannot split partition '{Parent.Id}': the split must keep its parent and region.");
        }
        ValidateChildRegions();
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

    /// <summary>
    /// The children must cut the parent's region on its dimension into consecutive ranges, with the same ranges on
    /// every other dimension, or the leaves would no longer tile the key space and rows would be lost or read twice.
    /// </summary>
    private void ValidateChildRegions()
    {
        var d = Parent.Dimension;
        if (d < 0 || d >= Parent.Region.Ranges.Count)
        {
            throw new StateStoreValidationException($"Cannot split partition '{Parent.Id}' on dimension {d}: its region has {Parent.Region.Ranges.Count}.");
        }
        var range = Parent.Region[d];
        var type = range.Field.PrimitiveType;
        var children = NewChildren.OrderBy(c => c.Region[d].Min, Comparer<object>.Create((a, b) => KeyValues.Compare(type, a, b))).ToList();
        object? expectedMin = range.Min;
        foreach (var child in children)
        {
            var ok = child.Region.Ranges.Count == Parent.Region.Ranges.Count
                && Enumerable.Range(0, Parent.Region.Ranges.Count).All(i => i == d || new Region([child.Region[i]]).Equals(new Region([Parent.Region[i]])))
                && expectedMin is not null && KeyValues.Compare(type, child.Region[d].Min, expectedMin) == 0
                && (child.Region[d].Max is null || KeyValues.Compare(type, child.Region[d].Min, child.Region[d].Max!) < 0);
            if (!ok)
            {
                throw new StateStoreValidationException($"Cannot split partition '{Parent.Id}': child '{child.Id}' covers {child.Region}, which does not continue the split of {Parent.Region} on dimension {d}.");
            }
            expectedMin = child.Region[d].Max;
        }
        if (!KeyValues.ValueEquals(expectedMin, range.Max))
        {
            throw new StateStoreValidationException($"Cannot split partition '{Parent.Id}': its children do not cover its region {Parent.Region} on dimension {d}.");
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
