using Sleeper.Core.Files;

namespace Sleeper.Core.StateStore.Transactions;

/// <summary>Adds new files with their references; every file must be new and every partition must exist.</summary>
public sealed record AddFilesTransaction(IReadOnlyList<FileReference> References) : IStateStoreTransaction
{
    public void Validate(StateStoreState state)
    {
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
    }
}
