namespace Sleeper.Core.StateStore.Transactions;

/// <summary>Forgets every file of the table (the data files themselves are deleted separately).</summary>
public sealed record ClearFilesTransaction : IStateStoreTransaction
{
    public void Validate(StateStoreState state)
    {
    }

    public void Apply(StateStoreState state, DateTimeOffset updateTime) => state.ClearFiles();
}
