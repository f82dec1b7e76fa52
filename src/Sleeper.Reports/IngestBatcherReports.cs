using System.Text.Json.Nodes;
using Sleeper.Core.Ingest.Batcher;
using Sleeper.Instance;

namespace Sleeper.Reports;

/// <summary>The ingest batcher report: a table's files pending in the batcher, and those batched, with their jobs.</summary>
public static class IngestBatcherReports
{
    /// <summary>
    /// {"pending":[{"file","fileSizeBytes","receivedTime"}…], "batched":[{"file","fileSizeBytes","receivedTime",
    /// "jobId","queue","jobCreatedTime","sentTime"}…]} for one table.
    /// </summary>
    public static async Task<JsonObject> TableAsync(SleeperInstance instance, string tableName, CancellationToken cancellationToken)
    {
        var table = await instance.GetTableStatusAsync(tableName, cancellationToken).ConfigureAwait(false);
        var pending = await instance.IngestBatcher.GetPendingFilesAsync(table.TableId, cancellationToken).ConfigureAwait(false);
        var jobs = await instance.IngestBatcher.GetJobsAsync(table.TableId, cancellationToken).ConfigureAwait(false);
        return new JsonObject
        {
            ["pending"] = FilesJson(pending),
            ["batched"] = new JsonArray(jobs.SelectMany(j => j.Files.Select(f => (JsonNode)new JsonObject
            {
                ["file"] = f.File,
                ["fileSizeBytes"] = f.FileSizeBytes,
                ["receivedTime"] = ReportJson.BatcherTime(f.ReceivedTime),
                ["jobId"] = j.JobId,
                ["queue"] = j.Queue,
                ["jobCreatedTime"] = ReportJson.BatcherTime(j.CreatedTime),
                ["sentTime"] = j.SentTime is { } sent ? ReportJson.BatcherTime(sent) : null,
            })).ToArray()),
        };
    }

    /// <summary>[{"file","fileSizeBytes","receivedTime"}…].</summary>
    public static JsonArray FilesJson(IEnumerable<FileIngestRequest> files) => new(files.Select(f => (JsonNode)new JsonObject
    {
        ["file"] = f.File,
        ["fileSizeBytes"] = f.FileSizeBytes,
        ["receivedTime"] = ReportJson.BatcherTime(f.ReceivedTime),
    }).ToArray());
}
