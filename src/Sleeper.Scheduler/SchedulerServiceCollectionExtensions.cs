using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Sleeper.Instance;

namespace Sleeper.Scheduler;

/// <summary>Registers the scheduler in a generic host: the web host of <c>sleeper serve</c>, or a plain one for <c>--scheduler-only</c>.</summary>
public static class SchedulerServiceCollectionExtensions
{
    /// <summary>
    /// Adds the scheduled triggers (<see cref="SchedulerService"/>) and the task worker scaler (<see cref="TaskWorkerScaler"/>)
    /// as hosted services over <paramref name="instance"/>; with no <paramref name="options"/>, as the instance's
    /// properties say. Both are also registered as themselves, for whoever wants to look at them.
    /// </summary>
    public static IServiceCollection AddSleeperScheduler(this IServiceCollection services, SleeperInstance instance, SchedulerOptions? options = null)
    {
        options ??= SchedulerOptions.FromProperties(instance.Properties);
        var time = options.Time ?? instance.Time;
        var pause = new SchedulerPause(instance.Objects, instance.Time);
        services.AddSingleton(pause);
        services.AddSingleton(options);
        services.AddSingleton(sp => new ScheduledWork(instance, LoggerOf<ScheduledWork>(sp)));
        services.AddSingleton(sp => new SchedulerService(sp.GetRequiredService<ScheduledWork>(), pause, options, time, LoggerOf<SchedulerService>(sp)));
        services.AddSingleton(sp => new TaskWorkerScaler(instance, options, pause, time, LoggerOf<TaskWorkerScaler>(sp)));
        // Registered directly rather than by AddHostedService, which would take only the first of two services of one
        // type; these are two types, but a host may also add a second scheduler over another instance.
        services.AddSingleton<IHostedService>(sp => sp.GetRequiredService<SchedulerService>());
        services.AddSingleton<IHostedService>(sp => sp.GetRequiredService<TaskWorkerScaler>());
        services.AddSingleton<IHostedService>(sp => new QueueWatchService(instance, pause, options, time, LoggerOf<QueueWatchService>(sp)));
        return services;
    }

    private static ILogger<T> LoggerOf<T>(IServiceProvider services) =>
        services.GetService<ILoggerFactory>()?.CreateLogger<T>() ?? Microsoft.Extensions.Logging.Abstractions.NullLogger<T>.Instance;
}
