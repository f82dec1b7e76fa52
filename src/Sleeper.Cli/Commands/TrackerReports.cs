using System.Text.Json.Nodes;
using Sleeper.Cli.Output;

namespace Sleeper.Cli.Commands;

/// <summary>The table views of the job and task reports (their JSON is built by Sleeper.Reports): each job's times, rows and rate; each task's run.</summary>
public static class TrackerReports
{
    /// <summary>compaction-tasks or ingest-tasks.</summary>
    public static void WriteTasks(CliContext context, JsonArray tasks) =>
        Render.Table(context, ["task", "started", "finished", "jobs", "rows read", "rows written"], tasks.Select(t => (IReadOnlyList<string>)
            [ReportCells.Text(t, "taskId"), ReportCells.Text(t, "started"), ReportCells.Text(t, "finished") is { Length: > 0 } f ? f : "running",
             ReportCells.N(t, "jobsRun"), ReportCells.N(t, "rowsRead"), ReportCells.N(t, "rowsWritten")]));

    /// <summary>compaction-jobs.</summary>
    public static void WriteCompactionJobs(CliContext context, JsonArray jobs) =>
        Render.Table(context, ["job", "partition", "state", "files", "created", "finished", "rows read", "rows written", "rows/s", "attempts"], jobs.Select(j =>
        {
            var state = ReportCells.Text(j, "state");
            var partition = ReportCells.Text(j, "partitionId");
            return (IReadOnlyList<string>)
            [ReportCells.Text(j, "jobId")[..8], partition.Length > 12 ? partition[..12] : partition,
             state + (j!["failureReason"] is { } reason && state == "failed" ? $": {reason.GetValue<string>()}" : ""),
             ReportCells.N(j, "inputFiles"), ReportCells.Text(j, "created"), ReportCells.Text(j, "finished"), ReportCells.N(j, "rowsRead"), ReportCells.N(j, "rowsWritten"),
             ReportCells.N(j, "rowsPerSecond"), ReportCells.Text(j, "attempts")];
        }));
}
