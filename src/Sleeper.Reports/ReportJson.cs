using System.Globalization;
using System.Text.Json.Nodes;
using Sleeper.Core.Tracking;

namespace Sleeper.Reports;

/// <summary>The JSON forms shared by several reports: times, and a tracked job.</summary>
public static class ReportJson
{
    /// <summary>A job or query time as the job reports write it.</summary>
    public static string? Time(DateTimeOffset? time) => time?.ToString("yyyy-MM-dd HH:mm:ss.fff", CultureInfo.InvariantCulture);

    /// <summary>An ingest batcher time: ISO 8601 in UTC, to the millisecond.</summary>
    public static string BatcherTime(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture);

    /// <summary>The fields every tracked job has; <paramref name="extra"/> (in order, after the ids) are the report's own.</summary>
    public static JsonObject Job(JobStatus job, params (string Name, JsonNode? Value)[] extra)
    {
        var json = new JsonObject
        {
            ["jobId"] = job.JobId,
            ["tableId"] = job.TableId,
        };
        foreach (var (name, value) in extra)
        {
            json[name] = value;
        }
        json["state"] = job.State;
        json["inputFiles"] = job.InputFiles;
        json["created"] = Time(job.Created);
        json["started"] = Time(job.Started);
        json["finished"] = Time(job.Finished);
        json["committed"] = Time(job.Committed);
        json["failed"] = Time(job.Failed);
        json["failureReason"] = job.FailureReason;
        json["attempts"] = job.Attempts;
        json["taskId"] = job.TaskId;
        json["rowsRead"] = job.RowsRead;
        json["rowsWritten"] = job.RowsWritten;
        json["rowsPerSecond"] = job.RowsPerSecond is { } r ? Math.Round(r) : null;
        return json;
    }

    /// <summary>A task's run: the compaction and ingest task reports.</summary>
    public static JsonObject Task(JobTaskStatus t) => new()
    {
        ["taskId"] = t.TaskId,
        ["started"] = Time(t.Started),
        ["finished"] = Time(t.Finished),
        ["jobsRun"] = t.JobsRun,
        ["rowsRead"] = t.RowsRead,
        ["rowsWritten"] = t.RowsWritten,
    };
}
