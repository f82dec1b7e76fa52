using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Sleeper.Cli.Output;
using Sleeper.LocalServices;

namespace Sleeper.Cli.Commands;

/// <summary>sleeper services start | stop | status: local PostgreSQL and S3 servers for development and the tests.</summary>
public static class ServicesCommand
{
    public static Command Build(CliContext context)
    {
        var command = new Command("services", "Local PostgreSQL and S3-compatible servers on 127.0.0.1, installed when missing (see docs/services.md)");

        var startFormat = new Option<string?>("--format") { Description = "env (default: lines ready for eval) or json" };
        var start = new Command("start", "Install what is missing, start PostgreSQL and s3rver on free ports (or keep the running ones) and print the settings to reach them") { startFormat };
        start.SetAction(async (result, cancel) =>
        {
            var format = Render.Format(result.GetValue(startFormat), "env", "env", "json");
            var settings = await Manager(context).StartAsync(cancel);
            WriteSettings(context, settings, format);
            return 0;
        });
        command.Subcommands.Add(start);

        var stop = new Command("stop", "Stop the servers 'services start' started (by their process ids); their data is kept");
        stop.SetAction(async (result, cancel) =>
        {
            var stopped = await Manager(context).StopAsync(cancel);
            foreach (var server in stopped)
            {
                context.Out.WriteLine($"Stopped {server.Name} (pid {server.Pid}, port {server.Port})");
            }
            if (stopped.Count == 0)
            {
                context.Out.WriteLine("Nothing was running.");
            }
            return 0;
        });
        command.Subcommands.Add(stop);

        var statusFormat = new Option<string?>("--format") { Description = "table or json" };
        var status = new Command("status", "Show which servers run, on which ports, and whether they answer") { statusFormat };
        status.SetAction(async (result, cancel) =>
        {
            var format = Render.Format(result.GetValue(statusFormat), context.OutputIsTerminal ? "table" : "json", "table", "json");
            WriteStatus(context, await Manager(context).StatusAsync(cancel), format);
            return 0;
        });
        command.Subcommands.Add(status);
        return command;
    }

    public static ServiceManager Manager(CliContext context) =>
        new(context.ServicesLayout ?? ServicesLayout.FromEnvironment(), context.Interactive ? context.Error : null);

    /// <summary>NAME=VALUE lines (the values need no quoting), or the same pairs as one JSON object.</summary>
    public static void WriteSettings(CliContext context, ServicesSettings settings, string format)
    {
        if (format == "json")
        {
            var obj = new JsonObject();
            foreach (var (name, value) in settings.Variables)
            {
                obj[name] = value;
            }
            Render.Json(context, obj);
            return;
        }
        foreach (var (name, value) in settings.Variables)
        {
            context.Out.WriteLine($"{name}={value}");
        }
    }

    private static void WriteStatus(CliContext context, ServicesStatus status, string format)
    {
        if (format == "json")
        {
            var services = new JsonArray(status.Services.Select(s => (JsonNode)new JsonObject
            {
                ["name"] = s.Name,
                ["running"] = s.Running,
                ["answering"] = s.Answering,
                ["pid"] = s.Pid,
                ["port"] = s.Port,
                ["dataFolder"] = s.DataFolder,
                ["note"] = s.Note,
            }).ToArray());
            JsonObject? settings = null;
            if (status.Settings is { } running)
            {
                settings = [];
                foreach (var (name, value) in running.Variables)
                {
                    settings[name] = value;
                }
            }
            Render.Json(context, new JsonObject { ["services"] = services, ["settings"] = settings });
            return;
        }
        Render.Table(context, ["service", "state", "answering", "pid", "port", "data"], status.Services.Select(s => (IReadOnlyList<string>)
        [
            s.Name,
            s.Running ? "running" : s.Note is null ? "stopped" : $"stopped ({s.Note})",
            s.Running ? (s.Answering ? "yes" : "NO") : "-",
            s.Pid?.ToString(CultureInfo.InvariantCulture) ?? "-",
            s.Port?.ToString(CultureInfo.InvariantCulture) ?? "-",
            s.DataFolder,
        ]));
    }
}
