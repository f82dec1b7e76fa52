using Sleeper.CrashHarness.Checks;
using Sleeper.CrashHarness.Scenarios;

namespace Sleeper.CrashHarness;

/// <summary>Runs trials: a scenario, then the recovery, then the checks, each trial from its own seed.</summary>
public static class Harness
{
    /// <summary>The seed of trial <paramref name="index"/> of a run seeded <paramref name="runSeed"/>: readable, and unique per run seed.</summary>
    public static int TrialSeed(int runSeed, int index) => checked(runSeed * 100_000 + index);

    /// <summary>The one-line command that reruns one trial alone.</summary>
    public static string RerunCommand(string scenario, int seed) =>
        $"dotnet run --project tests/Sleeper.CrashHarness -- --scenario {scenario} --trial-seed {seed}";

    public static async Task<TrialResult> RunTrialAsync(IScenario scenario, int seed, bool keepFailed = false)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var trial = new Trial(scenario.Name, seed);
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
            }
            catch (Exception e)
            {
                trial.AddViolation(new Violation(ViolationKind.BrokenState, $"the recovery or the checks threw {e}"));
            }
            return new TrialResult(scenario.Name, seed, trial.Figures(rows), [.. trial.Violations], [.. trial.Log, $"folder: {trial.Folder}"], watch.Elapsed);
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
    public static async Task<IReadOnlyList<TrialResult>> RunAsync(IReadOnlyList<IScenario> scenarios, int trials, int runSeed, int parallel,
        Action<TrialResult>? onTrial = null, bool keepFailed = false)
    {
        var results = new TrialResult[trials];
        var next = -1;
        var workers = Enumerable.Range(0, Math.Max(1, parallel)).Select(_ => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < trials)
            {
                var result = await RunTrialAsync(scenarios[i % scenarios.Count], TrialSeed(runSeed, i), keepFailed);
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
        $"  rerun: {RerunCommand(result.Scenario, result.Seed)}\n" +
        "  what happened:\n" + string.Concat(result.Log.Select(l => $"    {Shorten(l)}\n"));

    private static string Shorten(string line) => line.Length <= 400 ? line.ReplaceLineEndings(" ") : line[..400].ReplaceLineEndings(" ") + "…";
}
