using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Sleeper.Core.Telemetry;
using Sleeper.Instance;

namespace Sleeper.Scheduler;

/// <summary>
/// Starts task workers in this process as their queues fill, as Sleeper's task creators start containers: every
/// <see cref="SchedulerOptions.TaskCreationPeriod"/> it reads each queue's depth and starts workers for the visible
/// messages, up to the kind's maximum less those running. A worker stops by itself once its queue has had nothing
/// for it for the idle timeout, so an idle instance runs none and spends nothing but the depth reads.
/// </summary>
/// <remarks>
/// While the instance is paused no worker is started (those running finish their queue). On shutdown the workers
/// are cancelled: each hands the message it holds back to its queue at once and records its end, and this waits
/// for them, within the host's shutdown timeout.
/// </remarks>
public sealed class TaskWorkerScaler : BackgroundService
{
    private readonly SleeperInstance _instance;
    private readonly SchedulerOptions _options;
    private readonly SchedulerPause _pause;
    private readonly TimeProvider _time;
    private readonly ILogger<TaskWorkerScaler> _logger;
    private readonly Func<TaskWorkerKind, CancellationToken, Task<int>> _runWorker;
    private readonly Dictionary<TaskWorkerKind, List<Task>> _running = TaskWorkerKinds.All.ToDictionary(k => k, _ => new List<Task>());
    private readonly Lock _lock = new();
    private int _started;

    public TaskWorkerScaler(SleeperInstance instance, SchedulerOptions options, SchedulerPause pause, TimeProvider time, ILogger<TaskWorkerScaler> logger,
        Func<TaskWorkerKind, CancellationToken, Task<int>>? runWorker = null)
    {
        _instance = instance;
        _options = options;
        _pause = pause;
        _time = time;
        _logger = logger;
        _runWorker = runWorker ?? ((kind, ct) => TaskWorkers.RunAsync(instance, kind, options.TaskIdleTimeout, ct));
    }

    /// <summary>Workers of the kind running now.</summary>
    public int Running(TaskWorkerKind kind)
    {
        lock (_lock)
        {
            return _running[kind].Count(t => !t.IsCompleted);
        }
    }

    /// <summary>Workers started since this scaler began.</summary>
    public int Started => Volatile.Read(ref _started);

    private PeriodicTimer? _timer;

    /// <summary>Starts the timer now, so the checks fall one period apart from the start exactly.</summary>
    public override Task StartAsync(CancellationToken cancellationToken)
    {
        // Runs even when no kind may start a worker, for the queue depths it reports (the sleeper.queue.depth gauge).
        if (_options.RunTaskWorkers)
        {
            _timer = new PeriodicTimer(_options.TaskCreationPeriod, _time);
        }
        return base.StartAsync(cancellationToken);
    }

    public override void Dispose()
    {
        _timer?.Dispose();
        base.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (_timer is not { } timer)
        {
            return;
        }
        try
        {
            do
            {
                await CheckAsync(stoppingToken);
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down: the workers see the same token.
        }
        finally
        {
            Task[] all;
            lock (_lock)
            {
                all = _running.Values.SelectMany(t => t).ToArray();
            }
            if (all.Length > 0)
            {
                _logger.LogInformation("Waiting for {Workers} task worker(s) to hand back their jobs", all.Count(t => !t.IsCompleted));
                await Task.WhenAll(all.Select(t => t.ContinueWith(_ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default)));
            }
        }
    }

    /// <summary>One look at the queues: records their depths and starts the workers they call for.</summary>
    internal async Task CheckAsync(CancellationToken stoppingToken)
    {
        bool paused;
        try
        {
            paused = await _pause.IsPausedAsync(stoppingToken);
        }
        catch (Exception e) when (!stoppingToken.IsCancellationRequested)
        {
            _logger.LogError(e, "Could not read whether the instance is paused; no task worker is started this round");
            return;
        }
        foreach (var kind in TaskWorkerKinds.All)
        {
            var max = _options.MaxTasks.GetValueOrDefault(kind);
            int visible;
            try
            {
                var depth = await _instance.Queue(kind.QueueName()).GetDepthAsync(stoppingToken);
                SleeperTelemetry.RecordQueueDepth(kind.QueueName(), depth.Visible, depth.InFlight, depth.DeadLetters);
                visible = depth.Visible;
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                _logger.LogError(e, "Could not read the depth of the {Queue} queue; no {Kind} worker is started this round", kind.QueueName(), kind);
                continue;
            }
            if (paused || visible == 0 || max <= 0)
            {
                continue;
            }
            lock (_lock)
            {
                var running = _running[kind];
                running.RemoveAll(t => t.IsCompleted);
                var toStart = Math.Min(visible, max) - running.Count;
                for (var i = 0; i < toStart; i++)
                {
                    running.Add(RunWorkerAsync(kind, stoppingToken));
                    Interlocked.Increment(ref _started);
                }
            }
        }
    }

    private async Task RunWorkerAsync(TaskWorkerKind kind, CancellationToken stoppingToken)
    {
        // Off the caller's thread, so starting a worker never holds up the check of the next queue.
        await Task.Yield();
        _logger.LogInformation("Started a {Kind} task worker for queue {Queue}", kind, kind.QueueName());
        try
        {
            var jobs = await _runWorker(kind, stoppingToken);
            _logger.LogInformation("A {Kind} task worker stopped after {Jobs} job(s): its queue stayed empty for {IdleTimeout}", kind, jobs, _options.TaskIdleTimeout);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            _logger.LogInformation("A {Kind} task worker stopped for shutdown; its job, if any, went back to the queue", kind);
        }
        catch (Exception e)
        {
            _logger.LogError(e, "A {Kind} task worker failed; the next check starts another if its queue still has work", kind);
        }
    }
}
