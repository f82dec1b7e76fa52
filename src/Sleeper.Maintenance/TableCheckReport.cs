using Sleeper.Core.Checks;

namespace Sleeper.Maintenance;

/// <summary>What one check found: its name and its problems (none when that part of the table is sound).</summary>
public sealed record CheckOutcome(string Check, IReadOnlyList<TableProblem> Problems);

/// <summary>What <see cref="TableChecker"/> found on one table, check by check.</summary>
public sealed record TableCheckReport(string Table, IReadOnlyList<CheckOutcome> Checks)
{
    public bool IsClean => Checks.All(c => c.Problems.Count == 0);

    public int ProblemCount => Checks.Sum(c => c.Problems.Count);
}

/// <summary>How many problems each check repaired.</summary>
public sealed record CheckRepair(string Check, int Repaired);

/// <summary>A check, then what the repair did, then the check again; the second check is the verdict.</summary>
public sealed record TableRepairReport(TableCheckReport Before, IReadOnlyList<CheckRepair> Repairs, TableCheckReport After);
