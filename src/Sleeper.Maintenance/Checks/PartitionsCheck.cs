using Sleeper.Core;
using Sleeper.Core.Checks;
using Sleeper.Core.Partitions;
using Sleeper.Core.StateStore;
using Sleeper.Core.Tables;

namespace Sleeper.Maintenance.Checks;

/// <summary>
/// The state store loads (its snapshots and log replay), and its partitions form one tree whose leaves tile
/// the key space: the root covers everything, and every parent's children split its region with no gap and
/// no overlap. Nothing here is safe to repair automatically.
/// </summary>
public sealed class PartitionsCheck : ITableCheck
{
    public const string StateStoreUnreadable = "state-store-unreadable";
    public const string PartitionsDoNotTile = "partitions-do-not-tile";

    public string Name => "partitions";

    public async Task<IReadOnlyList<TableProblem>> RunAsync(SleeperTable table, CancellationToken cancellationToken = default)
    {
        StateStoreState state;
        try
        {
            state = await table.StateStore.GetStateAsync(cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return [new TableProblem(StateStoreUnreadable, table.Name, $"The state store of table '{table.Name}' does not load: {e.Message}", Repairable: false)];
        }
        if (state.Partitions.Count == 0)
        {
            return [new TableProblem(PartitionsDoNotTile, table.Name, "The table has no partitions.", Repairable: false)];
        }
        try
        {
            new PartitionTree(state.Partitions.Values).Validate(table.Schema);
            return [];
        }
        catch (SleeperException e)
        {
            return [new TableProblem(PartitionsDoNotTile, "partitions", e.Message, Repairable: false)];
        }
    }

    public Task<int> RepairAsync(SleeperTable table, IReadOnlyList<TableProblem> problems, CancellationToken cancellationToken = default) =>
        Task.FromResult(0);
}
