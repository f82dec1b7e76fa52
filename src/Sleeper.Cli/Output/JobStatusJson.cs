using System.Globalization;
using System.Text.Json.Nodes;
using Sleeper.Core.Tracking;

namespace Sleeper.Cli.Output;

/// <summary>The JSON form of a tracked job, shared by the compaction, ingest and bulk import job reports.</summary>
public static class JobStatusJson
{
    /// <summary>The fields every job has; <paramref name="extra"/> (in order, after the ids) are the report's own.</summary>
    public static JsonObject Of(JobStatus job, params (string Name, JsonNode? Value)[] extra)
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

    public static string? Time(DateTimeOffset? time) => time?.ToString("yyyy-MM-dd HH:mm:ss.fff", CultureInfo.InvariantCulture);
}
