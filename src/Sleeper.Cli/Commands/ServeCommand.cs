using System.CommandLine;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Sleeper.Instance;
using Sleeper.Scheduler;
using Sleeper.Server;

namespace Sleeper.Cli.Commands;

/// <summary>
/// sleeper serve [--urls …] [--scheduler-only]: the REST and WebSocket API and the dashboard over the instance, with
/// its scheduled work and task workers, in one generic host until stopped; or, with --scheduler-only, the scheduled
/// work alone in a plain host (an instance on services, whose API is served elsewhere or not at all).
/// </summary>
public static class ServeCommand
{
    public static Command Build(CliContext context)
    {
        var urls = new Option<string>("--urls") { Description = "Where to listen, ';'-separated (port 0: a free port)", DefaultValueFactory = _ => "http://127.0.0.1:5080" };
        var anonymous = new Option<bool>("--allow-anonymous") { Description = "Let requests without a credential read, with no authorisations" };
        var schedulerOnly = new Option<bool>("--scheduler-only") { Description = "Run the scheduled work and task workers alone, without the web server" };
        var command = new Command("serve", "Serve the REST and WebSocket API and the dashboard, with the scheduled work") { urls, anonymous, schedulerOnly };
        command.SetAction(async (result, cancel) =>
        {
            var location = context.InstanceLocation(result);
            var settings = ServeSettings.Load(location);
            // appsettings.json's "Logging" section sets the levels; a test's context that logs nowhere keeps doing so.
            using var configured = settings.GetSection("Logging").Exists() && context.Logging != NullLoggerFactory.Instance
                ? CliLogging.Create(LogLevel.Information, settings.GetSection("Logging"))
                : null;
            await using var instance = await SleeperInstance.OpenAsync(location, context.Time, cancel, configured ?? context.Logging);
            if (result.GetValue(schedulerOnly))
            {
                return await RunSchedulerOnlyAsync(context, instance, settings, cancel);
            }
            var options = new ServerOptions
            {
                Urls = result.GetValue(urls)!.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
                AllowAnonymous = result.GetValue(anonymous),
            };
            var builder = SleeperServer.CreateBuilder(instance, options);
            builder.Configuration.AddConfiguration(settings);
            builder.Services.Configure<HostOptions>(builder.Configuration.GetSection("HostOptions"));
            builder.Services.AddSleeperScheduler(instance);
            await using var app = SleeperServer.Build(builder);
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

    private static async Task<int> RunSchedulerOnlyAsync(CliContext context, SleeperInstance instance, IConfiguration settings, CancellationToken cancel)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            ApplicationName = "sleeper-scheduler",
            ContentRootPath = Directory.GetCurrentDirectory(),
        });
        builder.Configuration.AddConfiguration(settings);
        builder.Services.Configure<HostOptions>(builder.Configuration.GetSection("HostOptions"));
        // One log for the whole process: the instance's parts and the scheduler write to the same place.
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(instance.Logging);
        builder.Services.AddSleeperScheduler(instance);
        using var host = builder.Build();
        await host.StartAsync(cancel);
        context.Out.WriteLine($"Scheduler running over {instance.Description}");
        await context.Out.FlushAsync(cancel);
        await host.WaitForShutdownAsync(cancel);
        return 0;
    }
}
