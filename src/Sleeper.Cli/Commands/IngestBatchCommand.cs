using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Sleeper.Cli.Output;
using Sleeper.Core.Ingest.Batcher;
using Sleeper.Ingest.Batcher;
using Sleeper.Instance;
using Sleeper.Jobs;

namespace Sleeper.Cli.Commands;

/// <summary>
/// sleeper ingest batch NAME PATH... [--flush]: hands files to the ingest batcher, then runs one batching round for
/// the table, which sends jobs to the ingest or bulk import queue when the table's batcher properties say so.
/// </summary>
public static class IngestBatchCommand
{
    public static Command Build(CliContext context)
    {
        var name = new Argument<string>("NAME") { Description = "The table" };
        var paths = new Argument<string[]>("PATH") { Description = "Files or folders (read recursively for .parquet, .csv and .jsonl files)", Arity = ArgumentArity.ZeroOrMore };
        var flush = new Option<bool>("--flush") { Description = "Send every pending file of the table in jobs now, whatever the minimum size, file count and age" };
        var format = new Option<string?>("--format") { Description = "text (default) or json" };
        var command = new Command("batch", "Hand files to the ingest batcher, which groups them into ingest or bulk import jobs by size, count and age") { name, paths, flush, format };
        command.SetAction(async (result, cancel) =>
        {
            var fmt = Render.Format(result.GetValue(format), "text", "text", "json");
            var given = result.GetValue(paths) ?? [];
            var flushing = result.GetValue(flush);
            if (given.Length == 0 && !flushing)
            {
                throw new UsageException("Give at least one PATH to hand to the batcher, or --flush to send the files already pending.");
            }
            await using var instance = await context.OpenInstanceAsync(result, cancel);
            var table = await instance.OpenTableAsync(result.GetValue(name)!, cancellationToken: cancel);
            var store = instance.IngestBatcher;
            var requests = await IngestBatcherFiles.ResolveAsync(given, table.Id, instance.Time.GetUtcNow(), instance.InputFiles, cancel);
            var added = await store.AddFilesAsync(table.Id, requests, cancel);
            var pending = await store.GetPendingFilesAsync(table.Id, cancel);
            var runner = new IngestBatcherRunner(store, queue => instance.Queue(queue), instance.Time);
            var run = await runner.RunAsync(table.Id, table.Properties, flushing, cancel);

            var addedFiles = added.Select(f => f.File).ToHashSet(StringComparer.Ordinal);
            // Shown as the batcher holds them, with the time they first arrived.
            var pendingByFile = pending.ToDictionary(f => f.File, StringComparer.Ordinal);
            var alreadyPending = requests.Where(r => !addedFiles.Contains(r.File)).Select(r => pendingByFile.GetValueOrDefault(r.File) ?? r).ToList();
            if (fmt == "json")
            {
                Render.Json(context, new JsonObject
                {
                    ["table"] = table.Name,
                    ["added"] = Sleeper.Reports.IngestBatcherReports.FilesJson(added),
                    ["alreadyPending"] = Sleeper.Reports.IngestBatcherReports.FilesJson(alreadyPending),
                    ["pending"] = Sleeper.Reports.IngestBatcherReports.FilesJson(pending),
                    ["decision"] = run.Plan.Reason,
                    ["jobs"] = JobsJson(run.Sent),
                    ["resent"] = JobsJson(run.Resent),
                    ["failed"] = new JsonArray(run.Failed.Select(f => (JsonNode)new JsonObject { ["jobId"] = f.Job.JobId, ["queue"] = f.Job.Queue, ["error"] = f.Error.Message }).ToArray()),
                });
            }
            else
            {
                var o = context.Out;
                if (given.Length > 0)
                {
                    o.WriteLine($"Added {added.Count} file(s) of {Bytes(added)} to the ingest batcher for table {table.Name}" +
                        (alreadyPending.Count > 0 ? $"; {alreadyPending.Count} file(s) were already pending and are not added twice" : "") + ".");
                }
                o.WriteLine($"Pending: {pending.Count} file(s) of {Bytes(pending)}.");
                foreach (var file in pending)
                {
                    o.WriteLine($"  {file.File} ({file.FileSizeBytes.ToString("N0", CultureInfo.InvariantCulture)} bytes, received {Sleeper.Reports.ReportJson.BatcherTime(file.ReceivedTime)})");
                }
                foreach (var job in run.Resent)
                {
                    o.WriteLine($"Re-sent job {job.JobId}, which was never sent, to queue {job.Queue}: {job.Files.Count} file(s) of {Bytes(job.Files)}.");
                }
                o.WriteLine(run.Plan.Jobs.Count == 0 ? $"No job sent ({run.Plan.Reason})." : $"Batching: {run.Plan.Reason}.");
                foreach (var job in run.Sent)
                {
                    o.WriteLine($"Sent job {job.JobId} to queue {job.Queue}: {job.Files.Count} file(s) of {Bytes(job.Files)}.");
                }
            }
            foreach (var failure in run.Failed)
            {
                context.Error.WriteLine($"Could not send job {failure.Job.JobId} of table {table.Name} to queue {failure.Job.Queue}: {failure.Error.Message}. " +
                    "It stays recorded as unsent, and a later 'sleeper ingest batch' sends it again.");
            }
            return run.Failed.Count > 0 ? 1 : 0;
        });
        return command;
    }

    private static JsonArray JobsJson(IEnumerable<IngestBatcherJob> jobs) => new(jobs.Select(j => (JsonNode)new JsonObject
    {
        ["jobId"] = j.JobId,
        ["queue"] = j.Queue,
        ["files"] = new JsonArray(j.Files.Select(f => (JsonNode)JsonValue.Create(f.File)).ToArray()),
        ["fileSizeBytes"] = j.TotalBytes,
    }).ToArray());

    private static string Bytes(IEnumerable<FileIngestRequest> files) =>
        files.Sum(f => f.FileSizeBytes).ToString("N0", CultureInfo.InvariantCulture) + " bytes";
}
