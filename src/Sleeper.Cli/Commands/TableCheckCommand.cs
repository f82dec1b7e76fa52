using System.CommandLine;
using System.Text.Json.Nodes;
using Sleeper.Cli.Output;
using Sleeper.Compaction;
using Sleeper.Core.Checks;
using Sleeper.Core.Jobs;
using Sleeper.Jobs;
using Sleeper.Instance;
using Sleeper.Maintenance;

namespace Sleeper.Cli.Commands;

/// <summary>
/// sleeper table check NAME [--repair] [--format table|json]: checks a table in the manner of a file-system
/// check and prints what it found; exit 0 when clean, 1 when it found a problem. With --repair, repairs what is
/// safe and checks again; the second check decides the exit status.
/// </summary>
public static class TableCheckCommand
{
    public static Command Build(CliContext context)
    {
        var name = new Argument<string>("NAME") { Description = "The table's name" };
        var repair = new Option<bool>("--repair") { Description = "Repair what is safe (delete orphan files past the delay, abandoned writes, stranded assignments), then check again" };
        var format = new Option<string?>("--format") { Description = "table or json" };
        var command = new Command("check", "Check a table: state store, partitions, referenced files, jobs, orphans; exit 1 if anything is wrong") { name, repair, format };
        command.SetAction(async (result, cancel) =>
        {
            var fmt = Render.Format(result.GetValue(format), context.OutputIsTerminal ? "table" : "json", "table", "json");
            await using var instance = await context.OpenInstanceAsync(result, cancel);
            var table = await instance.OpenTableAsync(result.GetValue(name)!, cancellationToken: cancel);
            var checker = TableChecks.Checker(instance.Objects, instance.Time, MoreChecks(instance));
            TableCheckReport report;
            TableRepairReport? repaired = null;
            if (result.GetValue(repair))
            {
                repaired = await checker.RepairAsync(table, cancel);
                report = repaired.After;
            }
            else
            {
                report = await checker.CheckAsync(table, cancel);
            }
            if (fmt == "json")
            {
                Render.Json(context, Json(report, repaired));
            }
            else
            {
                WriteTable(context, report, repaired);
            }
            return report.IsClean ? 0 : 1;
        });
        return command;
    }

    /// <summary>
    /// Checks that need more than the table and its storage. The stranded assignments check of
    /// Sleeper.Compaction (its compaction queue and tracker) is registered here.
    /// </summary>
    private static IEnumerable<ITableCheck> MoreChecks(SleeperInstance instance) =>
    [
        new StrandedAssignmentsCheck(
            instance.Queue(QueueNames.Compaction),
            instance.CompactionTracker, instance.Time),
    ];

    private static JsonObject Json(TableCheckReport report, TableRepairReport? repaired)
    {
        var json = new JsonObject
        {
            ["table"] = report.Table,
            ["clean"] = report.IsClean,
            ["problemCount"] = report.ProblemCount,
            ["checks"] = ChecksJson(report),
        };
        if (repaired is not null)
        {
            json["repair"] = new JsonObject
            {
                ["problemCountBefore"] = repaired.Before.ProblemCount,
                ["checksBefore"] = ChecksJson(repaired.Before),
                ["repaired"] = new JsonArray(repaired.Repairs.Select(r => (JsonNode)new JsonObject { ["check"] = r.Check, ["count"] = r.Repaired }).ToArray()),
            };
        }
        return json;
    }

    private static JsonArray ChecksJson(TableCheckReport report) =>
        new(report.Checks.Select(c => (JsonNode)new JsonObject
        {
            ["name"] = c.Check,
            ["problems"] = new JsonArray(c.Problems.Select(p => (JsonNode)new JsonObject
            {
                ["kind"] = p.Kind,
                ["subject"] = p.Subject,
                ["detail"] = p.Detail,
                ["repairable"] = p.Repairable,
            }).ToArray()),
        }).ToArray());

    private static void WriteTable(CliContext context, TableCheckReport report, TableRepairReport? repaired)
    {
        if (repaired is not null)
        {
            var done = repaired.Repairs.Where(r => r.Repaired > 0).Select(r => $"{r.Check} {r.Repaired}").ToList();
            context.Out.WriteLine($"Found {repaired.Before.ProblemCount} problem(s); repaired: " +
                (done.Count == 0 ? "nothing" : string.Join(", ", done)) + ". Checked again:");
        }
        Render.Table(context, ["check", "problem", "subject", "detail"],
            report.Checks.SelectMany(c => c.Problems.Count == 0
                ? [(IReadOnlyList<string>)[c.Check, "ok", "", ""]]
                : c.Problems.Select(p => (IReadOnlyList<string>)[c.Check, p.Kind + (p.Repairable ? " (repairable)" : ""), p.Subject, p.Detail])));
        context.Out.WriteLine(report.IsClean
            ? $"Table {report.Table} is clean."
            : $"Table {report.Table}: {report.ProblemCount} problem(s).");
    }
}
