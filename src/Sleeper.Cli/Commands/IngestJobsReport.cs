using System.Text.Json.Nodes;
using Sleeper.Cli.Output;

namespace Sleeper.Cli.Commands;

/// <summary>
/// The table view of status --report ingest-jobs (and bulk-import-jobs): each queued job's state, files, rows,
/// times, rate and failure reason.
/// </summary>
public static class IngestJobsReport
{
    /// <param name="oneTable">The report is of one table: leave out the table column.</param>
    public static void Write(CliContext context, JsonArray jobs, bool oneTable)
    {
        // Narrow enough to read on a terminal: short ids and times of day, with failure reasons written out in
        // full below the table rather than squeezed into a column; the JSON form has everything whole.
        Render.Table(context, [.. (string[])["job", .. oneTable ? (string[])[] : ["table"]], "state", "files", "rows", "start", "finish", "commit", "rows/s", "tries"],
            jobs.Select(j =>
            {
                var id = ReportCells.Text(j, "jobId");
                return (IReadOnlyList<string>)
                [id[..Math.Min(8, id.Length)], .. oneTable ? (string[])[] : [ReportCells.Text(j, "tableName")], ReportCells.Text(j, "state"),
                 ReportCells.N(j, "inputFiles"), ReportCells.N(j, "rowsWritten"),
                 ReportCells.Clock(j, "started"), ReportCells.Clock(j, "finished"), ReportCells.Clock(j, "committed"),
                 ReportCells.N(j, "rowsPerSecond"), ReportCells.Text(j, "attempts")];
            }));
        foreach (var j in jobs.Where(j => j!["failureReason"] is not null))
        {
            context.Out.WriteLine($"Job {ReportCells.Text(j, "jobId")} ({ReportCells.Text(j, "state")}), last failure reason: {ReportCells.Text(j, "failureReason")}");
        }
    }
}
