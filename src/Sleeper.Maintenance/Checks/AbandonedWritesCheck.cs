using Sleeper.Core.Checks;
using Sleeper.Core.Storage;
using Sleeper.Core.Tables;
using Sleeper.GarbageCollector;

namespace Sleeper.Maintenance.Checks;

/// <summary>
/// Staging files of writes that were never committed or discarded (a process killed mid-write). The storage
/// port can delete them past a time but not list them, so this check reports nothing; repair deletes those
/// older than the table's orphan delay and counts them.
/// </summary>
public sealed class AbandonedWritesCheck(IObjectStore store, TimeProvider? time = null) : ITableCheck
{
    public string Name => "abandoned writes";

    public Task<IReadOnlyList<TableProblem>> RunAsync(SleeperTable table, CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<TableProblem>>([]);

    public Task<int> RepairAsync(SleeperTable table, IReadOnlyList<TableProblem> problems, CancellationToken cancellationToken = default) =>
        new OrphanFiles(table, store, time).DeleteAbandonedWritesAsync(cancellationToken);
}
