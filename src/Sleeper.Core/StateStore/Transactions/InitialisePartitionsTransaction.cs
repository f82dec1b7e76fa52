using Sleeper.Core.Partitions;

namespace Sleeper.Core.StateStore.Transactions;

/// <summary>Sets the whole partition tree; only allowed while the table holds no files.</summary>
public sealed record InitialisePartitionsTransaction(IReadOnlyList<Partition> Partitions) : IStateStoreTransaction
{
    public void Validate(StateStoreState state)
    {
        if (state.Files.Count > 0)
        {
            throw new StateStoreValidationException($"Cannot initialise partitions: the table holds {state.Files.Count} file(s). Clear its files first.");
        }
        if (Partitions.Count == 0)
        {
            throw new StateStoreValidationException("Cannot initialise partitions with no partitions.");
        }
        _ = new PartitionTree(Partitions);
    }

    public void Apply(StateStoreState state, DateTimeOffset updateTime) => state.SetPartitions(Partitions);
}
