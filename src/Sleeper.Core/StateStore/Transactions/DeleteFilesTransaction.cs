namespace Sleeper.Core.StateStore.Transactions;

/// <summary>Forgets files that garbage collection deleted; only files with no references.</summary>
public sealed record DeleteFilesTransaction(IReadOnlyList<string> Filenames) : IStateStoreTransaction
{
    public void Validate(StateStoreState state)
    {
        foreach (var filename in Filenames)
        {
            if (!state.TryGetFile(filename, out var entry))
            {
                throw new StateStoreValidationException($"Cannot delete file '{filename}': it is not in the table.");
            }
            if (entry.References.Count > 0)
            {
                throw new StateStoreValidationException($"Cannot delete file '{filename}': it is still referenced from partition(s) {string.Join(", ", entry.References.Keys)}.");
            }
        }
    }

    public void Apply(StateStoreState state, DateTimeOffset updateTime)
    {
        foreach (var filename in Filenames)
        {
            state.RemoveFile(filename);
        }
    }
}
