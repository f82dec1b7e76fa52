using System.CommandLine;
using Microsoft.Extensions.Hosting;
using Sleeper.Server;

namespace Sleeper.Cli.Commands;

/// <summary>sleeper serve [--urls …]: the REST and WebSocket API and the dashboard over the instance, until stopped.</summary>
public static class ServeCommand
{
    public static Command Build(CliContext context)
    {
        var urls = new Option<string>("--urls") { Description = "Where to listen, ';'-separated (port 0: a free port)", DefaultValueFactory = _ => "http://127.0.0.1:5080" };
        var anonymous = new Option<bool>("--allow-anonymous") { Description = "Let requests without a credential read, with no authorisations" };
        var command = new Command("serve", "Serve the REST and WebSocket API and the dashboard, with the scheduled work") { urls, anonymous };
        command.SetAction(async (result, cancel) =>
        {
            await using var instance = await context.OpenInstanceAsync(result, cancel);
            var options = new ServerOptions
            {
                Urls = result.GetValue(urls)!.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
                AllowAnonymous = result.GetValue(anonymous),
            };
            var app = SleeperServer.Build(SleeperServer.CreateBuilder(instance, options));
            await app.StartAsync(cancel);
            foreach (var address in SleeperServer.Addresses(app))
            {
                context.Out.WriteLine($"Listening on {address}");
            }
            await context.Out.FlushAsync(cancel);
            await app.WaitForShutdownAsync(cancel);
            return 0;
        });
        return command;
    }
}
