using Sleeper.Core.Checks;
using Sleeper.Core.Files;
using Sleeper.Core.Storage;
using Sleeper.Core.Tables;
using Sleeper.GarbageCollector;

namespace Sleeper.Maintenance.Checks;

/// <summary>
/// Data files no transaction references, older than sleeper.table.gc.orphan.delay.minutes: the outputs of jobs
/// that died or failed before their commit. Younger ones are not reported, because they may belong to a commit
/// still in flight. Repair deletes them, as garbage collection would (see <see cref="OrphanCollectionRule"/>).
/// </summary>
public sealed class OrphanFilesCheck(IObjectStore store, TimeProvider? time = null) : ITableCheck
{
    public const string OrphanFile = "orphan-file";

    public string Name => "orphan files";

    public async Task<IReadOnlyList<TableProblem>> RunAsync(SleeperTable table, CancellationToken cancellationToken = default)
    {
        var byDataFile = new SortedDictionary<string, List<OrphanObject>>(StringComparer.Ordinal);
        await foreach (var orphan in new OrphanFiles(table, store, time).FindAsync(cancellationToken))
        {
            if (orphan.PastDelay)
            {
                var dataFile = OrphanFiles.DataFileOf(orphan.Name)!;
                if (!byDataFile.TryGetValue(dataFile, out var objects))
                {
                    byDataFile[dataFile] = objects = [];
                }
                objects.Add(orphan);
            }
        }
        var delay = OrphanCollectionRule.For(table.Properties).Delay;
        return byDataFile.Select(e => new TableProblem(OrphanFile, e.Key,
            $"{e.Value.Count} object(s), {e.Value.Sum(o => o.Size)} bytes, last written {e.Value.Max(o => o.LastModified):u}: no transaction references it, " +
            $"and it is older than the orphan delay ({delay.TotalMinutes:F0} minutes).", Repairable: true)).ToList();
    }

    public async Task<int> RepairAsync(SleeperTable table, IReadOnlyList<TableProblem> problems, CancellationToken cancellationToken = default)
    {
        if (!problems.Any(p => p.Kind == OrphanFile))
        {
            return 0;
        }
        // Found afresh rather than trusted from the report: the rule holds at the moment of deleting.
        return (await new OrphanFiles(table, store, time).DeletePastDelayAsync(cancellationToken)).DataFiles;
    }
}
