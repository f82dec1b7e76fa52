using Sleeper.CrashHarness.Checks;
using Sleeper.CrashHarness.Scenarios;

namespace Sleeper.CrashHarness;

/// <summary>Runs trials: a scenario, then the recovery, then the checks, each trial from its own seed.</summary>
public static class Harness
{
    /// <summary>The seed of trial <paramref name="index"/> of a run seeded <paramref name="runSeed"/>: readable, and unique per run seed.</summary>
    public static int TrialSeed(int runSeed, int index) => checked(runSeed * 100_000 + index);

    /// <summary>The one-line command that reruns one trial alone.</summary>
    public static string RerunCommand(string scenario, int seed, Backend backend = Backend.Embedded) =>
        $"dotnet run --project tests/Sleeper.CrashHarness -- --scenario {scenario} --trial-seed {seed}" + (backend == Backend.Embedded ? "" : $" --backend {backend.Name()}");

    /// <summary>The scenarios of <paramref name="scenarios"/> that run on the backend.</summary>
    public static IReadOnlyList<IScenario> RunningOn(IEnumerable<IScenario> scenarios, Backend backend) =>
        [.. scenarios.Where(s => backend == Backend.Embedded || s.EmbeddedOnly is null)];

    public static async Task<TrialResult> RunTrialAsync(IScenario scenario, int seed, bool keepFailed = false, Backend backend = Backend.Embedded)
    {
        if (backend != Backend.Embedded && scenario.EmbeddedOnly is { } why)
        {
            throw new ArgumentException($"Scenario {scenario.Name} runs only on an embedded instance: {why}.");
        }
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var trial = new Trial(scenario.Name, seed, backend);
        var rows = new RowCounts(0, 0, 0);
        try
        {
            try
            {
                await scenario.RunAsync(trial);
            }
            catch (Exception e)
            {
                trial.AddViolation(new Violation(ViolationKind.CommandFailed, $"the scenario itself threw {e}"));
            }
            try
            {
                await Recovery.RunAsync(trial);
                rows = await TableInvariants.CheckAsync(trial);
                await scenario.CheckAfterRecoveryAsync(trial);
            }
            catch (Exception e)
            {
                trial.AddViolation(new Violation(ViolationKind.BrokenState, $"the recovery or the checks threw {e}"));
            }
            return new TrialResult(scenario.Name, seed, trial.Figures(rows), [.. trial.Violations],
                [.. trial.Log, $"folder: {trial.Folder}" + (trial.Bucket is null ? "" : $", instance {trial.Instance}, schema sleeper_{trial.InstanceId}")], watch.Elapsed, backend, new Dictionary<string, int>(trial.Counts));
        }
        finally
        {
            if (!(keepFailed && trial.Violations.Count > 0))
            {
                await trial.DisposeAsync();
            }
        }
    }

    /// <summary>Runs <paramref name="trials"/> trials cycling through <paramref name="scenarios"/>, <paramref name="parallel"/> at a time.</summary>
    /// <remarks>
    /// Trials on services run one at a time: the recovery's GC, two days ahead, sweeps the staged S3 writes of the
    /// harness's process, and would take those of another trial's set-up or recovery for abandoned ones.
    /// </remarks>
    public static async Task<IReadOnlyList<TrialResult>> RunAsync(IReadOnlyList<IScenario> scenarios, int trials, int runSeed, int parallel,
        Action<TrialResult>? onTrial = null, bool keepFailed = false, Backend backend = Backend.Embedded)
    {
        if (backend != Backend.Embedded && parallel > 1)
        {
            throw new ArgumentException("Trials on services run one at a time (--parallel 1): the recovery's GC, two days ahead, would sweep the staged writes of another trial's in-process commands.");
        }
        scenarios = RunningOn(scenarios, backend);
        if (scenarios.Count == 0)
        {
            throw new ArgumentException($"None of the scenarios asked for runs on the {backend.Name()} backend.");
        }
        var results = new TrialResult[trials];
        var next = -1;
        var workers = Enumerable.Range(0, Math.Max(1, parallel)).Select(_ => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < trials)
            {
                var result = await RunTrialAsync(scenarios[i % scenarios.Count], TrialSeed(runSeed, i), keepFailed, backend);
                results[i] = result;
                onTrial?.Invoke(result);
            }
        })).ToList();
        await Task.WhenAll(workers);
        return results;
    }

    /// <summary>A failed trial, as printed: scenario, seed, what broke, the command to rerun it, and what happened.</summary>
    public static string Describe(TrialResult result) =>
        $"FAILED {result.Scenario} seed {result.Seed}: {result.Violations.Count} violation(s)\n" +
        string.Concat(result.Violations.Select(v => $"  - {v}\n")) +
        $"  rerun: {RerunCommand(result.Scenario, result.Seed, result.Backend)}\n" +
        "  what happened:\n" + string.Concat(result.Log.Select(l => $"    {Shorten(l)}\n"));

    private static string Shorten(string line) => line.Length <= 400 ? line.ReplaceLineEndings(" ") : line[..400].ReplaceLineEndings(" ") + "…";
}
