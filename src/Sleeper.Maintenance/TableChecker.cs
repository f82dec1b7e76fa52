using Sleeper.Core;
using Sleeper.Core.Checks;
using Sleeper.Core.Tables;

namespace Sleeper.Maintenance;

/// <summary>
/// Checks a table in the manner of a file-system check: runs every <see cref="ITableCheck"/> it is given and
/// gathers their problems; with repair, lets each check fix what is safe and then checks again. A check that
/// cannot run at all (say, the state store does not load) is itself a problem, of kind <c>check-failed</c>,
/// so one broken part never hides the report of the others.
/// </summary>
public sealed class TableChecker(IReadOnlyList<ITableCheck> checks)
{
    public const string CheckFailed = "check-failed";

    public IReadOnlyList<ITableCheck> Checks { get; } = checks;

    public async Task<TableCheckReport> CheckAsync(SleeperTable table, CancellationToken cancellationToken = default)
    {
        var outcomes = new List<CheckOutcome>(Checks.Count);
        foreach (var check in Checks)
        {
            outcomes.Add(new CheckOutcome(check.Name, await RunAsync(check, table, cancellationToken)));
        }
        return new TableCheckReport(table.Name, outcomes);
    }

    /// <summary>
    /// Checks, lets every check repair what is safe among its problems (a check may also repair what it cannot
    /// list, such as abandoned writes), then checks again.
    /// </summary>
    public async Task<TableRepairReport> RepairAsync(SleeperTable table, CancellationToken cancellationToken = default)
    {
        var before = await CheckAsync(table, cancellationToken);
        var repairs = new List<CheckRepair>(Checks.Count);
        for (var i = 0; i < Checks.Count; i++)
        {
            var problems = before.Checks[i].Problems;
            if (problems.Any(p => p.Kind == CheckFailed))
            {
                // What it would repair is unknown when it could not even look.
                repairs.Add(new CheckRepair(Checks[i].Name, 0));
                continue;
            }
            repairs.Add(new CheckRepair(Checks[i].Name, await Checks[i].RepairAsync(table, problems, cancellationToken)));
        }
        var after = await CheckAsync(table, cancellationToken);
        return new TableRepairReport(before, repairs, after);
    }

    private static async Task<IReadOnlyList<TableProblem>> RunAsync(ITableCheck check, SleeperTable table, CancellationToken cancellationToken)
    {
        try
        {
            return await check.RunAsync(table, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException && (e is SleeperException or IOException or InvalidDataException or System.Text.Json.JsonException or InvalidOperationException))
        {
            return [new TableProblem(CheckFailed, table.Name, $"The {check.Name} check could not run: {e.Message}", Repairable: false)];
        }
    }
}
