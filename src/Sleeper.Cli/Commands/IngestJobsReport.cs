using System.Globalization;
using System.Text.Json.Nodes;
using Sleeper.Cli.Output;
using Sleeper.Core.Tracking;
using Sleeper.Instance;

namespace Sleeper.Cli.Commands;

/// <summary>
/// status --report ingest-jobs (and bulk-import-jobs, from the bulk import tracker): each queued job's state,
/// files, rows, times, rate and failure reason.
/// </summary>
public static class IngestJobsReport
{
    public static Task WriteAsync(CliContext context, SleeperInstance instance, IReadOnlyList<string> tableNames, string format, CancellationToken cancellationToken) =>
        WriteAsync(context, instance, instance.IngestTracker, tableNames, format, cancellationToken);

    public static async Task WriteAsync(CliContext context, SleeperInstance instance, IJobTracker tracker, IReadOnlyList<string> tableNames, string format, CancellationToken cancellationToken)
    {
        var tables = (await instance.GetTableStatusesAsync(tableNames, cancellationToken)).ToDictionary(t => t.TableId, t => t.TableName);
        var jobs = JobStatus.Fold(await tracker.ReadJobEventsAsync(null, cancellationToken)).Where(j => tables.ContainsKey(j.TableId)).ToList();
        if (format == "json")
        {
            Render.Json(context, new JsonArray(jobs.Select(j => (JsonNode)JobStatusJson.Of(j, ("tableName", tables[j.TableId]),
                ("files", j.Files is { } files ? new JsonArray(files.Select(f => (JsonNode)JsonValue.Create(f)).ToArray()) : null))).ToArray()));
            return;
        }
        // Narrow enough to read on a terminal: short ids and times of day, with failure reasons written out in
        // full below the table rather than squeezed into a column; the JSON form has everything whole.
        var oneTable = tables.Count == 1;
        Render.Table(context, [.. (string[])["job", .. oneTable ? (string[])[] : ["table"]], "state", "files", "rows", "start", "finish", "commit", "rows/s", "tries"],
            jobs.Select(j => (IReadOnlyList<string>)
            [j.JobId[..Math.Min(8, j.JobId.Length)], .. oneTable ? (string[])[] : [tables[j.TableId]], j.State, N(j.InputFiles), N(j.RowsWritten),
             Clock(j.Started), Clock(j.Finished), Clock(j.Committed),
             j.RowsPerSecond is { } rate ? rate.ToString("N0", CultureInfo.InvariantCulture) : "", j.Attempts.ToString(CultureInfo.InvariantCulture)]));
        foreach (var j in jobs.Where(j => j.FailureReason is not null))
        {
            context.Out.WriteLine($"Job {j.JobId} ({j.State}), last failure reason: {j.FailureReason}");
        }
    }

    private static string Clock(DateTimeOffset? time) => time?.ToString("HH:mm:ss", CultureInfo.InvariantCulture) ?? "";

    private static string N(long? value) => value?.ToString("N0", CultureInfo.InvariantCulture) ?? "";
}
