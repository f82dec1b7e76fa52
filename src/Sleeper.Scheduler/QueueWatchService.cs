using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Sleeper.Instance;
using Sleeper.Operations;

namespace Sleeper.Scheduler;

/// <summary>
/// Runs the stuck-queue check (<see cref="QueueWatch"/>) on the scheduler's clock: a queue whose backlog has not
/// fallen for <c>sleeper.notifications.queue.stuck.minutes</c> is published as a <c>queue-stuck</c> event, to the
/// event log and the webhook. Skipped while the instance is paused, when a backlog is expected.
/// </summary>
/// <remarks>One <see cref="QueueWatch"/> lives as long as the host: it judges each check against the ones before.</remarks>
public sealed class QueueWatchService(SleeperInstance instance, SchedulerPause pause, SchedulerOptions options, TimeProvider time, ILogger<QueueWatchService> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.RunTriggers || options.QueueWatchPeriod <= TimeSpan.Zero)
        {
            return;
        }
        var watch = new QueueWatch(instance);
        using var timer = new PeriodicTimer(options.QueueWatchPeriod, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    if (!await pause.IsPausedAsync(stoppingToken))
                    {
                        await watch.CheckAsync(stoppingToken);
                    }
                }
                catch (Exception e) when (!stoppingToken.IsCancellationRequested)
                {
                    logger.LogError(e, "The stuck-queue check failed; the next round tries again");
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down.
        }
    }
}
