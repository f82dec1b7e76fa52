using System.Globalization;
using System.Text.Json.Nodes;
using Sleeper.Cli.Output;
using Sleeper.Core.Tracking;
using Sleeper.Instance;

namespace Sleeper.Cli.Commands;

/// <summary>The job and task reports of status: each job's times, rows and rate; each task's run.</summary>
public static class TrackerReports
{
    public static async Task WriteAsync(CliContext context, SleeperInstance instance, string report, IReadOnlyList<string> tableNames, string format, CancellationToken cancellationToken)
    {
        var tracker = instance.CompactionTracker;
        if (report == "compaction-tasks")
        {
            var tasks = JobTaskStatus.Fold(await tracker.ReadTaskEventsAsync(cancellationToken));
            if (format == "json")
            {
                Render.Json(context, new JsonArray(tasks.Select(t => (JsonNode)new JsonObject
                {
                    ["taskId"] = t.TaskId,
                    ["started"] = Time(t.Started),
                    ["finished"] = Time(t.Finished),
                    ["jobsRun"] = t.JobsRun,
                    ["rowsRead"] = t.RowsRead,
                    ["rowsWritten"] = t.RowsWritten,
                }).ToArray()));
                return;
            }
            Render.Table(context, ["task", "started", "finished", "jobs", "rows read", "rows written"], tasks.Select(t => (IReadOnlyList<string>)
                [t.TaskId, Time(t.Started) ?? "", Time(t.Finished) ?? "running", N(t.JobsRun), N(t.RowsRead), N(t.RowsWritten)]));
            return;
        }
        var tableIds = (await instance.GetTableStatusesAsync(tableNames, cancellationToken)).Select(t => t.TableId).ToHashSet();
        var jobs = JobStatus.Fold(await tracker.ReadJobEventsAsync(null, cancellationToken)).Where(j => tableIds.Contains(j.TableId)).ToList();
        if (format == "json")
        {
            Render.Json(context, new JsonArray(jobs.Select(j => (JsonNode)JobStatusJson.Of(j, ("partitionId", j.PartitionId))).ToArray()));
            return;
        }
        Render.Table(context, ["job", "partition", "state", "files", "created", "finished", "rows read", "rows written", "rows/s", "attempts"], jobs.Select(j => (IReadOnlyList<string>)
            [j.JobId[..8], j.PartitionId is { Length: > 12 } p ? p[..12] : j.PartitionId ?? "", j.State + (j.FailureReason is { } reason && j.State == "failed" ? $": {reason}" : ""),
             N(j.InputFiles), Time(j.Created) ?? "", Time(j.Finished) ?? "", N(j.RowsRead), N(j.RowsWritten),
             j.RowsPerSecond is { } rate ? rate.ToString("N0", CultureInfo.InvariantCulture) : "", j.Attempts.ToString(CultureInfo.InvariantCulture)]));
    }

    private static string? Time(DateTimeOffset? time) => JobStatusJson.Time(time);

    private static string N(long? value) => value?.ToString("N0", CultureInfo.InvariantCulture) ?? "";
}
