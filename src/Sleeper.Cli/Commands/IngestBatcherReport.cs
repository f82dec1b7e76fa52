using System.Globalization;
using System.Text.Json.Nodes;
using Sleeper.Cli.Output;
using Sleeper.Core.Ingest.Batcher;
using Sleeper.Instance;

namespace Sleeper.Cli.Commands;

/// <summary>status --report ingest-batcher: each table's files pending in the ingest batcher, and those batched, with their jobs.</summary>
public static class IngestBatcherReport
{
    /// <summary>
    /// JSON for one table: {"pending":[{"file","fileSizeBytes","receivedTime"}…], "batched":[{… "jobId","queue",
    /// "jobCreatedTime","sentTime"}…]}; for several, one such object per table name.
    /// </summary>
    public static async Task WriteAsync(CliContext context, SleeperInstance instance, IReadOnlyList<string> tableNames, string format, CancellationToken cancellationToken)
    {
        var store = instance.IngestBatcher;
        var all = new JsonObject();
        foreach (var name in tableNames)
        {
            var table = await instance.GetTableStatusAsync(name, cancellationToken);
            var pending = await store.GetPendingFilesAsync(table.TableId, cancellationToken);
            var jobs = await store.GetJobsAsync(table.TableId, cancellationToken);
            if (format == "json")
            {
                var json = new JsonObject
                {
                    ["pending"] = FilesJson(pending),
                    ["batched"] = new JsonArray(jobs.SelectMany(j => j.Files.Select(f => (JsonNode)new JsonObject
                    {
                        ["file"] = f.File,
                        ["fileSizeBytes"] = f.FileSizeBytes,
                        ["receivedTime"] = Time(f.ReceivedTime),
                        ["jobId"] = j.JobId,
                        ["queue"] = j.Queue,
                        ["jobCreatedTime"] = Time(j.CreatedTime),
                        ["sentTime"] = j.SentTime is { } sent ? Time(sent) : null,
                    })).ToArray()),
                };
                if (tableNames.Count == 1)
                {
                    Render.Json(context, json);
                    return;
                }
                all[name] = json;
                continue;
            }
            context.Out.WriteLine($"Table {name}: {pending.Count} file(s) pending in the ingest batcher ({Bytes(pending.Sum(f => f.FileSizeBytes))}), " +
                $"{jobs.Sum(j => j.Files.Count)} file(s) batched into {jobs.Count} job(s), {jobs.Count(j => j.SentTime is null)} of them not sent yet");
            // Narrow cells (job ids cut to 8 characters, as the compaction report does) leave the width to the paths.
            Render.Table(context, ["file", "bytes", "received", "job", "queue", "state"],
                pending.Select(f => (IReadOnlyList<string>)[f.File, N(f.FileSizeBytes), ShortTime(f.ReceivedTime), "", "", "pending"])
                    .Concat(jobs.SelectMany(j => j.Files.Select(f => (IReadOnlyList<string>)
                        [f.File, N(f.FileSizeBytes), ShortTime(f.ReceivedTime), j.JobId.Length > 8 ? j.JobId[..8] : j.JobId, j.Queue, j.SentTime is null ? "not sent" : "sent"]))));
        }
        if (format == "json")
        {
            Render.Json(context, all);
        }
    }

    public static JsonArray FilesJson(IEnumerable<FileIngestRequest> files) => new(files.Select(f => (JsonNode)new JsonObject
    {
        ["file"] = f.File,
        ["fileSizeBytes"] = f.FileSizeBytes,
        ["receivedTime"] = Time(f.ReceivedTime),
    }).ToArray());

    public static string Time(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture);

    private static string ShortTime(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);

    private static string N(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    private static string Bytes(long bytes) => N(bytes) + " bytes";
}
