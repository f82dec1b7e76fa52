using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Sleeper.Cli.Output;
using Sleeper.Core;
using Sleeper.Core.Properties;
using Sleeper.Core.StateStore;
using Sleeper.Core.Tables;

namespace Sleeper.Cli.Commands;

/// <summary>sleeper status [NAME] [--report …]: reports on tables, their partitions and files.</summary>
public static class StatusCommand
{
    private static readonly string[] Reports = ["full", "partitions", "files", "compaction-jobs", "compaction-tasks", "ingest-jobs", "ingest-batcher", "dead-letters", "bulk-import-jobs", "queries"];

    public static Command Build(CliContext context)
    {
        var name = new Argument<string?>("NAME") { Description = "The table (all tables if left out)", Arity = ArgumentArity.ZeroOrOne };
        var report = new Option<string>("--report") { Description = "full, partitions, files, compaction-jobs, compaction-tasks, ingest-jobs, ingest-batcher, dead-letters, bulk-import-jobs or queries", DefaultValueFactory = _ => "full" };
        report.AcceptOnlyFromAmong(Reports);
        var format = new Option<string?>("--format") { Description = "table or json" };
        var queryId = new Option<string?>("--query-id") { Description = "With --report queries: one query, with its sub-queries" };
        var command = new Command("status", "Report on tables: partitions and files") { name, report, format, queryId };
        command.SetAction(async (result, cancel) =>
        {
            await using var instance = await context.OpenInstanceAsync(result, cancel);
            var fmt = Render.Format(result.GetValue(format), context.OutputIsTerminal ? "table" : "json", "table", "json");
            var names = result.GetValue(name) is { } n ? [n] : (await instance.ListTablesAsync(cancel)).Select(t => t.TableName).ToList();
            var which = result.GetValue(report)!;
            if (result.GetValue(queryId) is { } id && which != "queries")
            {
                throw new UsageException("--query-id goes with --report queries.");
            }
            if (which == "queries")
            {
                await QueriesReport.WriteAsync(context, instance, result.GetValue(name) is { } only ? [only] : null, result.GetValue(queryId), fmt, cancel);
                return 0;
            }
            if (which is "compaction-jobs" or "compaction-tasks")
            {
                await TrackerReports.WriteAsync(context, instance, which, names, fmt, cancel);
                return 0;
            }
            if (which == "ingest-jobs")
            {
                await IngestJobsReport.WriteAsync(context, instance, names, fmt, cancel);
                return 0;
            }
            if (which == "bulk-import-jobs")
            {
                await IngestJobsReport.WriteAsync(context, instance, instance.BulkImportTracker, names, fmt, cancel);
                return 0;
            }
            if (which == "dead-letters")
            {
                await DeadLettersReport.WriteAsync(context, instance, result.GetValue(name) is { } table ? [table] : null, fmt, cancel);
                return 0;
            }
            if (which == "ingest-batcher")
            {
                await IngestBatcherReport.WriteAsync(context, instance, names, fmt, cancel);
                return 0;
            }
            var json = new JsonObject();
            foreach (var tableName in names)
            {
                var table = await instance.OpenTableAsync(tableName, cancellationToken: cancel);
                var state = await table.StateStore.GetStateAsync(cancel);
                var gcBefore = instance.Time.GetUtcNow() - TimeSpan.FromMinutes(table.Properties.GetInt(TableProperty.GcDelayMinutes));
                JsonNode? partitions = which is "full" or "partitions" ? PartitionsJson(table, state) : null;
                JsonNode? files = which is "full" or "files" ? FilesJson(state, gcBefore) : null;
                if (fmt == "json")
                {
                    if (names.Count == 1 && which != "full")
                    {
                        Render.Json(context, partitions ?? files);
                        return 0;
                    }
                    json[tableName] = new JsonObject
                    {
                        ["id"] = table.Id,
                        ["online"] = table.Status.Online,
                        ["transactionNumber"] = table.StateStore.LastTransactionNumber,
                        ["partitions"] = partitions,
                        ["files"] = files,
                    };
                }
                else
                {
                    WriteTables(context, table, state, partitions, files);
                }
            }
            if (fmt == "json")
            {
                Render.Json(context, json);
            }
            return 0;
        });
        return command;
    }

    public static JsonArray PartitionsJson(SleeperTable table, StateStoreState state)
    {
        var serDe = new StateStoreSerDe(table.Schema);
        var refs = state.AllReferences().GroupBy(r => r.PartitionId).ToDictionary(g => g.Key, g => (Rows: g.Sum(r => r.NumberOfRows), Count: g.Count()));
        var tree = state.PartitionTree();
        // Depth-first from the root so the output reads as a tree.
        var ordered = new List<Core.Partitions.Partition>();
        var stack = new Stack<Core.Partitions.Partition>([tree.Root]);
        while (stack.Count > 0)
        {
            var p = stack.Pop();
            ordered.Add(p);
            foreach (var c in p.ChildIds.Reverse())
            {
                stack.Push(tree.Get(c));
            }
        }
        return new JsonArray(ordered.Select(p => (JsonNode)new JsonObject
        {
            ["id"] = p.Id,
            ["parentId"] = p.ParentId,
            ["childIds"] = new JsonArray(p.ChildIds.Select(c => (JsonNode)JsonValue.Create(c)).ToArray()),
            ["isLeaf"] = p.IsLeaf,
            ["region"] = serDe.WriteRegion(p.Region),
            ["rowCount"] = refs.TryGetValue(p.Id, out var r) ? r.Rows : 0,
            ["fileReferenceCount"] = refs.TryGetValue(p.Id, out var r2) ? r2.Count : 0,
        }).ToArray());
    }

    public static JsonObject FilesJson(StateStoreState state, DateTimeOffset gcBefore) => new()
    {
        ["files"] = new JsonArray(state.Files.Values.OrderBy(f => f.Filename, StringComparer.Ordinal).Select(f => (JsonNode)new JsonObject
        {
            ["filename"] = f.Filename,
            ["lastUpdateTime"] = f.LastStateStoreUpdateTime.ToString("O", CultureInfo.InvariantCulture),
            ["references"] = new JsonArray(f.References.Values.OrderBy(r => r.PartitionId, StringComparer.Ordinal).Select(r => (JsonNode)new JsonObject
            {
                ["partitionId"] = r.PartitionId,
                ["numberOfRows"] = r.NumberOfRows,
                ["countApproximate"] = r.CountApproximate,
                ["onlyContainsDataForThisPartition"] = r.OnlyContainsDataForThisPartition,
                ["jobId"] = r.JobId,
            }).ToArray()),
        }).ToArray()),
        ["readyForGc"] = new JsonArray(state.Files.Values
            .Where(f => f.References.Count == 0 && f.LastStateStoreUpdateTime < gcBefore)
            .Select(f => (JsonNode)JsonValue.Create(f.Filename)).ToArray()),
    };

    private static void WriteTables(CliContext context, SleeperTable table, StateStoreState state, JsonNode? partitions, JsonNode? files)
    {
        var totalRows = state.AllReferences().Sum(r => r.NumberOfRows);
        context.Out.WriteLine($"Table {table.Name} (id {table.Id}, {(table.Status.Online ? "online" : "offline")}): " +
            $"{totalRows:N0} rows in {state.Files.Count} file(s), {state.Partitions.Count} partition(s) of which {state.Partitions.Values.Count(p => p.IsLeaf)} leaves, " +
            $"state at transaction {table.StateStore.LastTransactionNumber}");
        if (partitions is JsonArray parts)
        {
            PartitionsTable.Write(context, parts);
        }
        if (files is JsonObject f)
        {
            Render.Table(context, ["file", "partition", "rows", "job"], f["files"]!.AsArray().SelectMany(file =>
                file!["references"]!.AsArray().Count == 0
                    ? [(IReadOnlyList<string>)[file["filename"]!.GetValue<string>(), "(none)", "", ""]]
                    : file["references"]!.AsArray().Select(r => (IReadOnlyList<string>)
                    [
                        file["filename"]!.GetValue<string>(),
                        r!["partitionId"]!.GetValue<string>(),
                        r["numberOfRows"]!.GetValue<long>().ToString("N0", CultureInfo.InvariantCulture),
                        r["jobId"]?.GetValue<string>() ?? "",
                    ])));
            var ready = f["readyForGc"]!.AsArray();
            context.Out.WriteLine($"{ready.Count} file(s) ready for garbage collection");
        }
    }
}
