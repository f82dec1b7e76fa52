using System.Diagnostics;
using Sleeper.CrashHarness.Checks;
using Sleeper.Core.Jobs;
using Sleeper.Instance;

namespace Sleeper.CrashHarness.Scenarios;

/// <summary>
/// A fleet of stateless workers as separate processes: three <c>worker compaction</c> and two <c>worker ingest</c>
/// at once, with an idle timeout, while a client keeps submitting ingest jobs of new rows and queuing compaction
/// jobs. One worker of each kind is killed with SIGKILL while every worker of its kind holds a job (so the victim
/// is mid-job whichever it is), and a replacement started. Then the client stops and every worker still running
/// must exit by itself, with status 0, once its queue has been empty for its idle timeout: the fleet scales to zero.
/// After the harness's recovery and checks (every submitted row exactly once), no file reference may have been the
/// input of two committed compaction jobs (<see cref="CompactedOnce"/>).
/// </summary>
public sealed class Fleet : IScenario
{
    private static readonly string[] Kinds = ["compaction", "ingest"];

    public string Name => "fleet";
    public bool KillsProcesses => true;

    public int CompactionWorkers { get; init; } = 3;
    public int IngestWorkers { get; init; } = 2;

    /// <summary>How long the client keeps submitting.</summary>
    public TimeSpan ClientTime { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>The workers' idle timeout: longer than the client's pauses, so they wait for its next job while it runs.</summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromSeconds(8);

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
        var killerRandom = new Random(trial.Random.Next());
        var hangTimeout = ClientTime + IdleTimeout + ExitGrace + TimeSpan.FromSeconds(30);
        var workers = new List<(string Kind, RunningSleeper Process)>();
        var watch = Stopwatch.StartNew();
        foreach (var kind in Kinds)
        {
            for (var i = 0; i < (kind == "compaction" ? CompactionWorkers : IngestWorkers); i++)
            {
                workers.Add((kind, trial.Start(hangTimeout, "worker", kind, "--idle-timeout", IdleTimeout.TotalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture))));
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
        var killing = KillOneOfEachAsync(trial, workers, killerRandom, hangTimeout, stop.Token);
        await Task.WhenAll(submitting, compacting, killing);
        var clientDone = watch.Elapsed;
        trial.Note($"the client stopped after {clientDone.TotalSeconds:F1} s");

        List<(string Kind, RunningSleeper Process)> all;
        lock (workers)
        {
            all = [.. workers];
        }
        foreach (var (kind, process) in all)
        {
            var outcome = await process.Outcome;
            trial.Record(outcome, outcome.Killed ? "" : $" (exited {(watch.Elapsed - clientDone).TotalSeconds:F1} s after the client stopped)");
            if (outcome.Killed)
            {
                continue;
            }
            if (outcome.ExitCode != 0 || outcome.Hung)
            {
                trial.AddViolation(new Violation(ViolationKind.NoScaleToZero, outcome.ToString()));
            }
            else
            {
                trial.Count("workers that scaled to zero");
            }
        }
        var lastExit = watch.Elapsed - clientDone;
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

    private async Task WaitForTasksAsync(Trial trial, List<(string Kind, RunningSleeper Process)> workers)
    {
        await using var instance = await trial.OpenInstanceAsync();
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(90) && !workers.Any(w => w.Process.HasEnded))
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

    /// <summary>Ingest jobs of new rows, two at a time so that both ingest workers get one at once, until stopped.</summary>
    private static async Task SubmitIngestJobsAsync(Trial trial, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            var batches = Enumerable.Range(0, 2).Select(_ => trial.NewBatchFile(200 + trial.Next(400), "ingest submit (fleet)")).ToList();
            await Task.WhenAll(batches.Select(async b =>
            {
                var outcome = await trial.RunExpectingSuccessAsync(0, "ingest", "submit", Trial.TableName, b.Path);
                b.Batch.Outcome = outcome.Succeeded ? BatchOutcome.Committed : BatchOutcome.AllOrNothing;
                if (outcome.Succeeded)
                {
                    trial.Count("ingest jobs submitted");
                }
            }));
        }
    }

    /// <summary><c>compact --all --queue-only</c> every couple of seconds, as a scheduler would, until stopped.</summary>
    private static async Task QueueCompactionJobsAsync(Trial trial, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            await trial.RunExpectingSuccessAsync(0, "compact", Trial.TableName, "--all", "--queue-only");
            trial.Count("compaction rounds queued");
            try
            {
                await Task.Delay(TimeSpan.FromSeconds(2), stop);
            }
            catch (OperationCanceledException)
            {
            }
        }
    }

    /// <summary>
    /// For each kind, waits until every live worker of it holds a job (as many messages in flight as workers), then
    /// kills one at random and starts a replacement. If that moment does not come before the client stops, kills
    /// one anyway at the end, mid-job or not (the trial counts only the jobs the killed workers were found holding).
    /// </summary>
    private async Task KillOneOfEachAsync(Trial trial, List<(string Kind, RunningSleeper Process)> workers, Random random, TimeSpan hangTimeout, CancellationToken stop)
    {
        await using var instance = await trial.OpenInstanceAsync();
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
                    var replacement = trial.Start(hangTimeout, "worker", kind, "--idle-timeout", IdleTimeout.TotalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture));
                    lock (workers)
                    {
                        workers.Add((kind, replacement));
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
