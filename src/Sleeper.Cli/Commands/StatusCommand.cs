using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Sleeper.Cli.Output;
using Sleeper.Reports;

namespace Sleeper.Cli.Commands;

/// <summary>
/// sleeper status [NAME] [--report …]: the instance's status reports. Sleeper.Reports builds each one as JSON
/// (the same JSON the server returns); this command prints it, or renders it as tables on a terminal.
/// </summary>
public static class StatusCommand
{
    public static Command Build(CliContext context)
    {
        var name = new Argument<string?>("NAME") { Description = "The table (all tables if left out)", Arity = ArgumentArity.ZeroOrOne };
        var report = new Option<string>("--report") { Description = string.Join(", ", StatusReports.Names), DefaultValueFactory = _ => StatusReports.Full };
        report.AcceptOnlyFromAmong([.. StatusReports.Names]);
        var format = new Option<string?>("--format") { Description = "table or json" };
        var queryId = new Option<string?>("--query-id") { Description = "With --report queries: one query, with its sub-queries" };
        var command = new Command("status", "Report on tables, jobs, tasks, queues and queries") { name, report, format, queryId };
        command.SetAction(async (result, cancel) =>
        {
            await using var instance = await context.OpenInstanceAsync(result, cancel);
            var fmt = Render.Format(result.GetValue(format), context.OutputIsTerminal ? "table" : "json", "table", "json");
            var which = result.GetValue(report)!;
            var id = result.GetValue(queryId);
            if (id is not null && which != StatusReports.Queries)
            {
                throw new UsageException("--query-id goes with --report queries.");
            }
            IReadOnlyList<string>? tables = result.GetValue(name) is { } n ? [n] : null;
            if (fmt == "json")
            {
                Render.Json(context, await StatusReports.BuildAsync(instance, which, tables, id, cancel));
                return 0;
            }
            var names = tables ?? (await instance.ListTablesAsync(cancel)).Select(t => t.TableName).ToList();
            switch (which)
            {
                case StatusReports.Queries when id is not null:
                    QueriesReport.WriteOne(context, (await StatusReports.BuildAsync(instance, which, tables, id, cancel)).AsObject());
                    break;
                case StatusReports.Queries:
                    QueriesReport.WriteList(context, (await StatusReports.BuildAsync(instance, which, tables, null, cancel)).AsArray());
                    break;
                case StatusReports.CompactionTasks or StatusReports.IngestTasks:
                    TrackerReports.WriteTasks(context, (await StatusReports.BuildAsync(instance, which, tables, null, cancel)).AsArray());
                    break;
                case StatusReports.CompactionJobs:
                    TrackerReports.WriteCompactionJobs(context, (await StatusReports.BuildAsync(instance, which, names, null, cancel)).AsArray());
                    break;
                case StatusReports.IngestJobs or StatusReports.BulkImportJobs:
                    IngestJobsReport.Write(context, (await StatusReports.BuildAsync(instance, which, names, null, cancel)).AsArray(), oneTable: names.Count == 1);
                    break;
                case StatusReports.DeadLettersReport:
                    DeadLettersReport.Write(context, (await StatusReports.BuildAsync(instance, which, tables, null, cancel)).AsArray());
                    break;
                case StatusReports.Queues:
                    WriteQueues(context, await StatusReports.QueuesAsync(instance, cancel));
                    break;
                case StatusReports.IngestBatcher:
                    foreach (var tableName in names)
                    {
                        IngestBatcherReport.Write(context, tableName, (await StatusReports.BuildAsync(instance, which, [tableName], null, cancel)).AsObject());
                    }
                    break;
                default:
                    foreach (var tableName in names)
                    {
                        WriteTable(context, tableName, which, await StatusReports.TableAsync(instance, tableName, StatusReports.Full, cancel));
                    }
                    break;
            }
            return 0;
        });
        return command;
    }

    /// <summary>A table's state: a summary line, then the partitions, files or metrics the report asks for.</summary>
    private static void WriteTable(CliContext context, string tableName, string report, JsonObject table)
    {
        var metrics = table["metrics"]!;
        context.Out.WriteLine($"Table {tableName} (id {ReportCells.Text(table, "id")}, {(table["online"]!.GetValue<bool>() ? "online" : "offline")}): " +
            $"{ReportCells.N(metrics, "rowCount")} rows in {ReportCells.Text(metrics, "fileCount")} file(s), {ReportCells.Text(metrics, "partitionCount")} partition(s) of which {ReportCells.Text(metrics, "leafPartitionCount")} leaves, " +
            $"state at transaction {ReportCells.Text(table, "transactionNumber")}");
        if (report is StatusReports.Full or StatusReports.Partitions)
        {
            PartitionsTable.Write(context, table["partitions"]!.AsArray());
        }
        if (report is StatusReports.Full or StatusReports.Files)
        {
            var files = table["files"]!;
            Render.Table(context, ["file", "partition", "rows", "job"], files["files"]!.AsArray().SelectMany(file =>
                file!["references"]!.AsArray().Count == 0
                    ? [(IReadOnlyList<string>)[ReportCells.Text(file, "filename"), "(none)", "", ""]]
                    : file["references"]!.AsArray().Select(r => (IReadOnlyList<string>)
                        [ReportCells.Text(file, "filename"), ReportCells.Text(r, "partitionId"), ReportCells.N(r, "numberOfRows"), ReportCells.Text(r, "jobId")])));
            context.Out.WriteLine($"{files["readyForGc"]!.AsArray().Count} file(s) ready for garbage collection");
        }
        if (report is StatusReports.Full or StatusReports.Metrics)
        {
            Render.Table(context, ["files", "references", "rows", "partitions", "leaf partitions", "avg references / partition", "max references / partition"],
            [[
                ReportCells.N(metrics, "fileCount"), ReportCells.N(metrics, "referenceCount"), ReportCells.N(metrics, "rowCount"), ReportCells.N(metrics, "partitionCount"),
                ReportCells.N(metrics, "leafPartitionCount"),
                ReportCells.Number(metrics["averageReferencesPerPartition"]!).ToString("0.##", CultureInfo.InvariantCulture), ReportCells.N(metrics, "maxReferencesPerPartition"),
            ]]);
        }
    }

    private static void WriteQueues(CliContext context, JsonObject queues) =>
        Render.Table(context, ["queue", "visible", "in flight", "dead letters"], queues.Select(q => (IReadOnlyList<string>)
            [q.Key, ReportCells.N(q.Value, "visible"), ReportCells.N(q.Value, "inFlight"), ReportCells.N(q.Value, "deadLetters")]));
}
