using System.Globalization;
using System.Text.Json.Nodes;
using Sleeper.Cli.Output;

namespace Sleeper.Cli.Commands;

/// <summary>The table view of status --report ingest-batcher: a table's files pending in the ingest batcher, and those batched, with their jobs.</summary>
public static class IngestBatcherReport
{
    /// <param name="report">One table's report ({"pending":[…],"batched":[…]}).</param>
    public static void Write(CliContext context, string tableName, JsonObject report)
    {
        var pending = report["pending"]!.AsArray();
        var batched = report["batched"]!.AsArray();
        var jobs = batched.GroupBy(f => ReportCells.Text(f, "jobId")).ToList();
        context.Out.WriteLine($"Table {tableName}: {pending.Count} file(s) pending in the ingest batcher ({Bytes(pending.Sum(f => f!["fileSizeBytes"]!.GetValue<long>()))}), " +
            $"{batched.Count} file(s) batched into {jobs.Count} job(s), {jobs.Count(j => j.First()!["sentTime"] is null)} of them not sent yet");
        // Narrow cells (job ids cut to 8 characters, as the compaction report does) leave the width to the paths.
        Render.Table(context, ["file", "bytes", "received", "job", "queue", "state"],
            pending.Select(f => (IReadOnlyList<string>)[ReportCells.Text(f, "file"), ReportCells.N(f, "fileSizeBytes"), ReportCells.Seconds(f, "receivedTime"), "", "", "pending"])
                .Concat(batched.Select(f =>
                {
                    var job = ReportCells.Text(f, "jobId");
                    return (IReadOnlyList<string>)
                        [ReportCells.Text(f, "file"), ReportCells.N(f, "fileSizeBytes"), ReportCells.Seconds(f, "receivedTime"), job.Length > 8 ? job[..8] : job,
                         ReportCells.Text(f, "queue"), f!["sentTime"] is null ? "not sent" : "sent"];
                })));
    }

    private static string Bytes(long bytes) => bytes.ToString("N0", CultureInfo.InvariantCulture) + " bytes";
}
