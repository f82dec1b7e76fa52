using System.Collections.Concurrent;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Sleeper.Core.Telemetry;

namespace Sleeper.Scheduler;

/// <summary>
/// The scheduled triggers as one hosted service: a loop per operation, each on its own <see cref="PeriodicTimer"/>
/// of the scheduler's clock, running one round over every online table per tick. Between ticks nothing runs: an
/// idle instance costs a timer wake-up per period and the pause check. A paused instance (<see cref="SchedulerPause"/>)
/// skips its rounds, and the check is made at every tick, so pause and resume take effect without a restart.
/// </summary>
/// <remarks>
/// A round that is still running when its next tick comes delays that tick (PeriodicTimer does not queue ticks),
/// so rounds of one operation never overlap in one scheduler. On shutdown the rounds under way are cancelled;
/// every operation is built to be interrupted anywhere (it commits or it does not), so the next round carries on.
/// </remarks>
public sealed class SchedulerService(ScheduledWork work, SchedulerPause pause, SchedulerOptions options, TimeProvider time, ILogger<SchedulerService> logger)
    : BackgroundService
{
    private const int HistoryLength = 200;
    private readonly ConcurrentQueue<ScheduledRoundResult> _history = new();

    /// <summary>The latest rounds, oldest first (the last <see cref="HistoryLength"/>), for tests and reports.</summary>
    public IReadOnlyList<ScheduledRoundResult> History => _history.ToArray();

    /// <summary>Rounds skipped because the instance was paused.</summary>
    public int SkippedWhilePaused => _skipped;

    private int _skipped;

    private readonly List<(ScheduledOperation Operation, PeriodicTimer Timer)> _timers = [];

    /// <summary>Starts every trigger's timer now, before the loops run, so the first tick is one period after the start exactly.</summary>
    public override Task StartAsync(CancellationToken cancellationToken)
    {
        if (options.RunTriggers)
        {
            foreach (var (operation, period) in options.Periods)
            {
                _timers.Add((operation, new PeriodicTimer(period, time)));
                logger.LogInformation("Scheduled {Operation} every {Period}", operation, period);
            }
        }
        return base.StartAsync(cancellationToken);
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(_timers.Select(t => RunTriggerAsync(t.Operation, t.Timer, stoppingToken)));

    public override void Dispose()
    {
        foreach (var (_, timer) in _timers)
        {
            timer.Dispose();
        }
        base.Dispose();
    }

    private async Task RunTriggerAsync(ScheduledOperation operation, PeriodicTimer timer, CancellationToken stoppingToken)
    {
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await RunRoundAsync(operation, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down.
        }
    }

    private async Task RunRoundAsync(ScheduledOperation operation, CancellationToken stoppingToken)
    {
        try
        {
            if (await pause.IsPausedAsync(stoppingToken))
            {
                Interlocked.Increment(ref _skipped);
                logger.LogDebug("Instance paused: skipped scheduled {Operation}", operation);
                return;
            }
            using var span = SleeperTelemetry.Source.StartActivity("scheduler." + operation);
            var round = await work.RunAsync(operation, stoppingToken);
            span?.SetTag("sleeper.tables", round.Tables.Count);
            span?.SetTag("sleeper.done", round.Done);
            _history.Enqueue(round);
            while (_history.Count > HistoryLength && _history.TryDequeue(out _))
            {
            }
        }
        catch (Exception e) when (!stoppingToken.IsCancellationRequested)
        {
            // Listing the tables or reading the pause flag failed (the store is unreachable): the next tick tries again.
            logger.LogError(e, "Scheduled {Operation} failed; the next round tries again", operation);
        }
    }
}
