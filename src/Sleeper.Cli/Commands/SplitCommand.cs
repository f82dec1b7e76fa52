using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Sleeper.Cli.Output;
using Sleeper.Core.Keys;
using Sleeper.Splitter;

namespace Sleeper.Cli.Commands;

/// <summary>sleeper split NAME: one round of partition splitting, printing each split and each partition left unsplit.</summary>
public static class SplitCommand
{
    public static Command Build(CliContext context)
    {
        var name = new Argument<string>("NAME") { Description = "The table" };
        var format = new Option<string?>("--format") { Description = "table or json" };
        var command = new Command("split", "Split every leaf partition holding more rows than sleeper.table.partition.splitting.threshold, once") { name, format };
        command.SetAction(async (result, cancel) =>
        {
            var fmt = Render.Format(result.GetValue(format), context.OutputIsTerminal ? "table" : "json", "table", "json");
            await using var instance = await context.OpenInstanceAsync(result, cancel);
            var table = await instance.OpenTableAsync(result.GetValue(name)!, requireOnline: true, cancellationToken: cancel);
            var splitter = new PartitionSplitter(table, PartitionSplitter.OptionsFrom(instance.Properties, instance.Time));
            var round = await splitter.RunRoundAsync(cancel);
            if (fmt == "json")
            {
                Render.Json(context, ToJson(round));
            }
            else
            {
                WriteText(context, round);
            }
            return 0;
        });
        return command;
    }

    /// <summary>sleeper worker splitting [--idle-timeout S]: splitting rounds over every online table until nothing splits for the idle timeout.</summary>
    public static Command BuildWorker(CliContext context)
    {
        var idle = new Option<double>("--idle-timeout") { Description = "Seconds with nothing to split before exiting", DefaultValueFactory = _ => 60 };
        var poll = new Option<double>("--poll-interval") { Description = "Seconds between splitting rounds", DefaultValueFactory = _ => 10 };
        var command = new Command("splitting", "Run partition splitting rounds over every online table until there is nothing to split") { idle, poll };
        command.SetAction(async (result, cancel) =>
        {
            var seconds = result.GetValue(idle);
            var pollSeconds = result.GetValue(poll);
            if (seconds < 0 || pollSeconds <= 0)
            {
                throw new UsageException("--idle-timeout must be zero or more seconds and --poll-interval more than zero.");
            }
            await using var instance = await context.OpenInstanceAsync(result, cancel);
            var worker = new SplittingWorker(
                instance.OpenOnlineTablesAsync,
                PartitionSplitter.OptionsFrom(instance.Properties, instance.Time))
            { PollInterval = TimeSpan.FromSeconds(pollSeconds) };
            context.Chatter($"Splitting worker checking every {pollSeconds:0.#} s (exits after {seconds:0.#} s with nothing to split)...");
            var outcome = await worker.RunAsync(TimeSpan.FromSeconds(seconds), new Progress<SplittingRoundResult>(r =>
            {
                foreach (var s in r.Splits)
                {
                    context.Chatter($"{r.TableName}: split partition {s.PartitionId} ({s.RowCount:N0} rows) on {s.Choice!.Quantiles[s.Choice.Dimension!.Value].Field.Name} at {KeyValues.Format(s.Choice.Value)}");
                }
            }), cancel);
            context.Out.WriteLine($"Splitting worker: {outcome.Rounds} round(s), {outcome.PartitionsSplit} partition(s) split");
            return 0;
        });
        return command;
    }

    private static void WriteText(CliContext context, SplittingRoundResult round)
    {
        var threshold = round.Threshold.ToString("N0", CultureInfo.InvariantCulture);
        var splits = round.Splits.ToList();
        context.Out.WriteLine($"Split {splits.Count} partition(s) of {round.TableName} (threshold {threshold} rows)");
        if (splits.Count > 0)
        {
            Render.Table(context, ["partition", "field", "split at", "left child", "right child", "rows", "sketches read"], splits.Select(s => (IReadOnlyList<string>)
            [
                s.PartitionId, s.Choice!.Quantiles[s.Choice.Dimension!.Value].Field.Name, RowWriter.Text(s.Choice.Value),
                s.LeftChildId!, s.RightChildId!, s.RowCount.ToString("N0", CultureInfo.InvariantCulture), s.SketchFilesRead.ToString(CultureInfo.InvariantCulture),
            ]));
        }
        foreach (var o in round.NewlyUnsplittable)
        {
            context.Out.WriteLine($"Cannot split partition {o.PartitionId} ({o.RowCount:N0} rows): {o.Reason}");
        }
        foreach (var u in round.KnownUnsplittable)
        {
            context.Out.WriteLine($"Cannot split partition {u.PartitionId} ({u.RowCount:N0} rows): {u.Reason} (found {u.FoundTime:u}; tried again when its files change)");
        }
        foreach (var o in round.Outcomes.Where(o => o.Kind is SplitOutcomeKind.AlreadySplit or SplitOutcomeKind.FilesChanged))
        {
            context.Out.WriteLine($"Did not split partition {o.PartitionId}: {o.Reason}");
        }
        foreach (var w in round.WaitingForCompaction)
        {
            context.Out.WriteLine($"Partition {w.Partition.Id} holds about {w.EstimatedRows:N0} rows, but only {w.KnownRows:N0} in files of its own: it splits once compaction rewrites its files ('sleeper compact {round.TableName}')");
        }
    }

    private static JsonObject ToJson(SplittingRoundResult round) => new()
    {
        ["table"] = round.TableName,
        ["threshold"] = round.Threshold,
        ["split"] = new JsonArray(round.Splits.Select(s => (JsonNode)new JsonObject
        {
            ["partitionId"] = s.PartitionId,
            ["dimension"] = s.Choice!.Dimension,
            ["field"] = s.Choice.Quantiles[s.Choice.Dimension!.Value].Field.Name,
            ["splitValue"] = Value(s.Choice.Value),
            ["rule"] = s.Choice.Rule.ToString(),
            ["childIds"] = new JsonArray(s.LeftChildId, s.RightChildId),
            ["rows"] = s.RowCount,
            ["sketchFilesRead"] = s.SketchFilesRead,
        }).ToArray()),
        ["unsplittable"] = new JsonArray(round.NewlyUnsplittable.Select(o => (JsonNode)new JsonObject
        {
            ["partitionId"] = o.PartitionId,
            ["rows"] = o.RowCount,
            ["reason"] = o.Reason,
            ["foundBefore"] = false,
        }).Concat(round.KnownUnsplittable.Select(u => (JsonNode)new JsonObject
        {
            ["partitionId"] = u.PartitionId,
            ["rows"] = u.RowCount,
            ["reason"] = u.Reason,
            ["foundBefore"] = true,
        })).ToArray()),
        ["notSplit"] = new JsonArray(round.Outcomes.Where(o => o.Kind is SplitOutcomeKind.AlreadySplit or SplitOutcomeKind.FilesChanged).Select(o => (JsonNode)new JsonObject
        {
            ["partitionId"] = o.PartitionId,
            ["outcome"] = o.Kind == SplitOutcomeKind.AlreadySplit ? "alreadySplit" : "filesChanged",
            ["reason"] = o.Reason,
        }).ToArray()),
        ["waitingForCompaction"] = new JsonArray(round.WaitingForCompaction.Select(w => (JsonNode)new JsonObject
        {
            ["partitionId"] = w.Partition.Id,
            ["knownRows"] = w.KnownRows,
            ["estimatedRows"] = w.EstimatedRows,
        }).ToArray()),
    };

    /// <summary>As the CLI writes keys in JSON: numbers as numbers, strings as strings, byte arrays in base64.</summary>
    private static JsonNode? Value(object? value) => value switch
    {
        int i => i,
        long l => l,
        string s => s,
        byte[] b => Convert.ToBase64String(b),
        _ => null,
    };
}
