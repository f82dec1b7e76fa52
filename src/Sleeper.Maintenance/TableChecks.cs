using Sleeper.Core.Checks;
using Sleeper.Core.Storage;
using Sleeper.Maintenance.Checks;

namespace Sleeper.Maintenance;

/// <summary>The checks <c>sleeper table check</c> runs, in the order reported.</summary>
public static class TableChecks
{
    /// <summary>
    /// The checks of this project, then <paramref name="more"/>: checks that need more than the table and its
    /// storage (the stranded assignments check needs the compaction queue and workers), which the composition
    /// root builds and passes in.
    /// </summary>
    public static TableChecker Checker(IObjectStore store, TimeProvider? time = null, IEnumerable<ITableCheck>? more = null) =>
        new([
            new PartitionsCheck(),
            new ReferencedFilesCheck(store),
            new JobAssignmentsCheck(),
            .. more ?? [],
            new OrphanFilesCheck(store, time),
            new AbandonedWritesCheck(store, time),
        ]);
}
