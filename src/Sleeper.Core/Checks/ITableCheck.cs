using Sleeper.Core.Tables;

namespace Sleeper.Core.Checks;

/// <summary>
/// One problem a table check found. <paramref name="Kind"/> is a short stable identifier (for example
/// <c>missing-file</c>, <c>orphan-file</c>, <c>stranded-assignment</c>); <paramref name="Subject"/> names the
/// file, partition or job; <paramref name="Repairable"/> says whether <c>--repair</c> may fix it now.
/// </summary>
public sealed record TableProblem(string Kind, string Subject, string Detail, bool Repairable);

/// <summary>
/// One family of checks run by <c>sleeper table check</c>, in the manner of a file-system check. Each check gets
/// what it needs beyond the table (a queue, a tracker, the storage port) from the composition root that builds it.
/// </summary>
public interface ITableCheck
{
    /// <summary>A short name shown in the report, such as "partitions" or "stranded assignments".</summary>
    string Name { get; }

    Task<IReadOnlyList<TableProblem>> RunAsync(SleeperTable table, CancellationToken cancellationToken = default);

    /// <summary>Fixes what is safe to fix among the problems this check found; returns how many it fixed.</summary>
    Task<int> RepairAsync(SleeperTable table, IReadOnlyList<TableProblem> problems, CancellationToken cancellationToken = default);
}
