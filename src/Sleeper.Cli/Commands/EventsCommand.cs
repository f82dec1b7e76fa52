using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Sleeper.Cli.Output;
using Sleeper.Core.Notifications;

namespace Sleeper.Cli.Commands;

/// <summary>sleeper events [--follow] [--format jsonl|table]: the instance's event log (failed and dead-lettered jobs).</summary>
public static class EventsCommand
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase, DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull };

    public static Command Build(CliContext context)
    {
        var follow = new Option<bool>("--follow") { Description = "Keep reading: print new events as they come, until interrupted" };
        var interval = new Option<double?>("--interval") { Description = "With --follow: seconds between looks at the log (default 1)" };
        var format = new Option<string?>("--format") { Description = "jsonl or table (default: table on a terminal, jsonl when piped)" };
        var command = new Command("events", "The instance's event log: failed jobs, dead letters, …, oldest first") { follow, interval, format };
        command.SetAction(async (result, cancel) =>
        {
            var fmt = Render.Format(result.GetValue(format), context.OutputIsTerminal ? "table" : "jsonl", "jsonl", "table");
            var pause = TimeSpan.FromSeconds(result.GetValue(interval) ?? 1);
            if (pause <= TimeSpan.Zero)
            {
                throw new UsageException("--interval must be more than 0 seconds.");
            }
            await using var instance = await context.OpenInstanceAsync(result, cancel);
            var log = instance.Events;
            string? last = null;
            while (true)
            {
                var events = new List<InstanceEvent>();
                try
                {
                    await foreach (var (name, e) in log.ReadAsync(last, cancel))
                    {
                        events.Add(e);
                        last = name;
                    }
                }
                catch (OperationCanceledException) when (cancel.IsCancellationRequested && result.GetValue(follow))
                {
                    return 0;
                }
                if (fmt == "jsonl")
                {
                    foreach (var e in events)
                    {
                        context.Out.WriteLine(JsonSerializer.Serialize(e, Json));
                    }
                }
                else if (events.Count > 0 || !result.GetValue(follow))
                {
                    Render.Table(context, ["time", "severity", "kind", "table", "job", "message"], events.Select(e => (IReadOnlyList<string>)
                        [e.Time.ToString("u", CultureInfo.InvariantCulture), e.Severity.ToString().ToLowerInvariant(), e.Kind, e.TableId ?? "", e.JobId ?? "", e.Message]));
                }
                context.Out.Flush();
                if (!result.GetValue(follow))
                {
                    return 0;
                }
                try
                {
                    await Task.Delay(pause, instance.Time, cancel);
                }
                catch (OperationCanceledException)
                {
                    return 0;
                }
            }
        });
        return command;
    }
}
