using System.Diagnostics;
using Sleeper.CrashHarness.Checks;
using Sleeper.Core.Jobs;
using Sleeper.Instance;

namespace Sleeper.CrashHarness.Scenarios;

/// <summary>
/// A fleet of stateless workers as separate processes: three <c>worker compaction</c> and two <c>worker ingest</c>
/// at once, with an idle timeout, while a client keeps submitting ingest jobs of new rows (<c>ingest submit</c>) and
/// queuing compaction jobs (<c>compact --all --queue-only</c>). The client is the harness's own process running
/// those commands, at a steady pace whatever the machine's load: a process of its own for each would spend most
/// of its time starting, and leave the workers idle between jobs. One worker of each kind is killed with SIGKILL
/// while every worker of its kind holds a job (so the victim is mid-job whichever it is), and a replacement started. Then the client stops and every worker still running
/// must exit by itself, with status 0, once its queue has been empty for its idle timeout: the fleet scales to zero.
/// After the harness's recovery and checks (every submitted row exactly once), no file reference may have been the
/// input of two committed compaction jobs (<see cref="CompactedOnce"/>).
/// </summary>
public sealed class Fleet : IScenario
{
    private static readonly string[] Kinds = ["compaction", "ingest"];

    /// <summary>How long the workers may take to start before the client starts anyway.</summary>
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    public string Name => "fleet";
    public bool KillsProcesses => true;

    public int CompactionWorkers { get; init; } = 3;
    public int IngestWorkers { get; init; } = 2;

    /// <summary>How long the client keeps submitting.</summary>
    public TimeSpan ClientTime { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>How often the client submits two ingest jobs.</summary>
    public TimeSpan SubmitEvery { get; init; } = TimeSpan.FromSeconds(1.5);

    /// <summary>How often the client queues a round of compaction jobs.</summary>
    public TimeSpan CompactEvery { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>The workers' idle timeout: longer than the client's pauses, so they wait for its next job while it runs.</summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromSeconds(12);

    /// <summary>How long after the client stops a worker may take to exit: its idle timeout, a job, and a slow start.</summary>
    public TimeSpan ExitGrace { get; init; } = TimeSpan.FromSeconds(45);

    public async Task RunAsync(Trial trial)
    {
        await trial.SetUpAsync(new TableSetup
        {
            // Seven leaves, so one round of compaction has a job for every worker and more.
            SplitPoints = ["d", "h", "l", "p", "t", "x"],
            // The whole log is read afterwards (CompactedOnce), and the recovery runs two days ahead.
            DeleteBehindSnapshotMinAgeMinutes = (int)TimeSpan.FromDays(30).TotalMinutes,
        });
        for (var i = 0; i < 2; i++)
        {
            await trial.IngestInProcessAsync(300 + trial.Random.Next(300));
        }
        // A job for every leaf waiting when the compaction workers start, so all three are busy at once.
        await trial.MustAsync(null, "compact", Trial.TableName, "--all", "--queue-only");
        var killerRandom = new Random(trial.Random.Next());
        var hangTimeout = StartTimeout + ClientTime + IdleTimeout + ExitGrace;
        var workers = new List<Worker>();
        var watch = Stopwatch.StartNew();
        foreach (var kind in Kinds)
        {
            for (var i = 0; i < (kind == "compaction" ? CompactionWorkers : IngestWorkers); i++)
            {
                workers.Add(StartWorker(trial, kind, hangTimeout, watch));
            }
        }
        trial.Note($"started {CompactionWorkers} compaction and {IngestWorkers} ingest workers, idle timeout {IdleTimeout.TotalSeconds:F0} s");
        // The client's time runs from when the fleet is up (every worker has recorded its task's start): on a loaded
        // machine, starting five processes at once takes a good part of it.
        await WaitForTasksAsync(trial, workers);
        trial.Note($"every worker was waiting for jobs {watch.Elapsed.TotalSeconds:F1} s after they started");

        using var stop = new CancellationTokenSource(ClientTime);
        var submitting = SubmitIngestJobsAsync(trial, stop.Token);
        var compacting = QueueCompactionJobsAsync(trial, stop.Token);
        var killing = KillOneOfEachAsync(trial, workers, killerRandom, hangTimeout, watch, stop.Token);
        await Task.WhenAll(submitting, compacting, killing);
        var clientDone = watch.Elapsed;
        trial.Note($"the client stopped after {clientDone.TotalSeconds:F1} s");

        List<Worker> all;
        lock (workers)
        {
            all = [.. workers];
        }
        var lastExit = TimeSpan.Zero;
        foreach (var worker in all)
        {
            var outcome = await worker.Process.Outcome;
            var ended = await worker.Ended - clientDone;
            trial.Record(outcome, outcome.Killed ? "" : ended < TimeSpan.Zero
                ? $" (exited {-ended.TotalSeconds:F1} s before the client stopped, its queue empty for its idle timeout)"
                : $" (exited {ended.TotalSeconds:F1} s after the client stopped)");
            if (outcome.Killed)
            {
                continue;
            }
            lastExit = ended > lastExit ? ended : lastExit;
            if (outcome.ExitCode != 0 || outcome.Hung)
            {
                trial.AddViolation(new Violation(ViolationKind.NoScaleToZero, outcome.ToString()));
            }
            else
            {
                trial.Count("workers that scaled to zero");
            }
        }
        trial.Note($"every worker had ended {lastExit.TotalSeconds:F1} s after the client stopped");
        if (lastExit > IdleTimeout + ExitGrace)
        {
            trial.AddViolation(new Violation(ViolationKind.NoScaleToZero,
                $"the last worker ended {lastExit.TotalSeconds:F1} s after the client stopped, more than its idle timeout ({IdleTimeout.TotalSeconds:F0} s) and {ExitGrace.TotalSeconds:F0} s"));
        }

        // What the killed workers held stays in flight until its visibility timeout: the proof that they died mid-job.
        await using var instance = await trial.OpenInstanceAsync();
        foreach (var kind in Kinds)
        {
            var depth = await instance.Queue(kind).GetDepthAsync();
            trial.Count($"{kind} jobs held by killed workers", depth.InFlight);
            trial.Note($"the {kind} queue once every worker ended: {depth.Visible} waiting, {depth.InFlight} in flight (held by killed workers), {depth.DeadLetters} dead");
        }
    }

    public Task CheckAfterRecoveryAsync(Trial trial) => CompactedOnce.CheckAsync(trial);

    /// <summary>A worker process, and when it ended on the scenario's watch.</summary>
    private sealed record Worker(string Kind, RunningSleeper Process, Task<TimeSpan> Ended);

    private Worker StartWorker(Trial trial, string kind, TimeSpan hangTimeout, Stopwatch watch)
    {
        var process = trial.Start(hangTimeout, "worker", kind, "--idle-timeout", IdleTimeout.TotalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture));
        trial.Count("workers started");
        return new Worker(kind, process, process.Outcome.ContinueWith(_ => watch.Elapsed, TaskScheduler.Default));
    }

    private async Task WaitForTasksAsync(Trial trial, List<Worker> workers)
    {
        await using var instance = await trial.OpenInstanceAsync();
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < StartTimeout && !workers.Any(w => w.Process.HasEnded))
        {
            var compaction = (await instance.CompactionTracker.ReadTaskEventsAsync()).Count(e => !e.Finished);
            var ingest = (await instance.IngestTracker.ReadTaskEventsAsync()).Count(e => !e.Finished);
            if (compaction >= CompactionWorkers && ingest >= IngestWorkers)
            {
                return;
            }
            await Task.Delay(TimeSpan.FromMilliseconds(200));
        }
        trial.Note("the workers did not all record their start in time; the client starts anyway");
    }

    /// <summary>
    /// Ingest jobs of new rows, two at a time so that both ingest workers can take one at once, every
    /// <see cref="SubmitEvery"/> until stopped.
    /// </summary>
    private async Task SubmitIngestJobsAsync(Trial trial, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            for (var i = 0; i < 2; i++)
            {
                var (batch, path) = trial.NewBatchFile(200 + trial.Next(400), "ingest submit (fleet)");
                var submitted = await trial.Client("ingest", "submit", Trial.TableName, path);
                batch.Outcome = submitted ? BatchOutcome.Committed : BatchOutcome.AllOrNothing;
                trial.Count(submitted ? "ingest jobs submitted" : "ingest submits failed");
            }
            await PauseAsync(SubmitEvery, stop);
        }
    }

    /// <summary><c>compact --all --queue-only</c> every <see cref="CompactEvery"/>, as a scheduler would, until stopped.</summary>
    private async Task QueueCompactionJobsAsync(Trial trial, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            await trial.Client("compact", Trial.TableName, "--all", "--queue-only");
            trial.Count("compaction rounds queued");
            await PauseAsync(CompactEvery, stop);
        }
    }

    private static async Task PauseAsync(TimeSpan pause, CancellationToken stop)
    {
        try
        {
            await Task.Delay(pause, stop);
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>
    /// After a seeded delay, for each kind, waits until every live worker of it holds a job (as many messages in
    /// flight as workers), then kills one at random and starts a replacement. If that moment does not come before
    /// the client stops, kills one anyway at the end, mid-job or not (the trial counts only the jobs the killed
    /// workers were found holding).
    /// </summary>
    private async Task KillOneOfEachAsync(Trial trial, List<Worker> workers, Random random, TimeSpan hangTimeout, Stopwatch watch, CancellationToken stop)
    {
        await using var instance = await trial.OpenInstanceAsync();
        // Not at once: a seeded moment in the first half of the client's time, then the next moment all are busy.
        await PauseAsync(ClientTime * (0.5 * random.NextDouble()), stop);
        var pending = new List<string>(Kinds);
        while (pending.Count > 0)
        {
            foreach (var kind in pending.ToList())
            {
                List<RunningSleeper> live;
                lock (workers)
                {
                    live = [.. workers.Where(w => w.Kind == kind && !w.Process.HasEnded).Select(w => w.Process)];
                }
                if (live.Count == 0)
                {
                    pending.Remove(kind);
                    trial.Note($"no {kind} worker left to kill");
                    continue;
                }
                var depth = await instance.Queue(kind).GetDepthAsync(CancellationToken.None);
                if (depth.InFlight < live.Count && !stop.IsCancellationRequested)
                {
                    continue;
                }
                var victim = live[random.Next(live.Count)];
                if (victim.Kill())
                {
                    trial.Note($"killed {kind} worker (process {victim.ProcessId}) with {depth.InFlight} {kind} job(s) in flight for {live.Count} live worker(s)");
                    var replacement = StartWorker(trial, kind, hangTimeout, watch);
                    lock (workers)
                    {
                        workers.Add(replacement);
                    }
                    pending.Remove(kind);
                }
            }
            if (stop.IsCancellationRequested)
            {
                return;
            }
            try
            {
                await Task.Delay(TimeSpan.FromMilliseconds(50), stop);
            }
            catch (OperationCanceledException)
            {
            }
        }
    }
}
