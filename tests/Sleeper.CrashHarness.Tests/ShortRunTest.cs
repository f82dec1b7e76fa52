using Sleeper.CrashHarness;
using Sleeper.CrashHarness.Scenarios;
using Xunit.Abstractions;

namespace Sleeper.CrashHarness.Tests;

/// <summary>
/// The short run of the crash and fault harness inside the test suite: a few seeded trials of every scenario
/// (real sleeper processes killed with SIGKILL, or faults injected in the state store's log), each checked
/// against the model of what was committed. The long run is the harness's own command (docs/reliability.md).
/// </summary>
public sealed class ShortRunTest(ITestOutputHelper output)
{
    /// <summary>The run seed of the short run; trial i of a scenario has seed <see cref="Harness.TrialSeed"/>(this, i).</summary>
    private const int Seed = 9;

    public static TheoryData<string> Scenarios()
    {
        var data = new TheoryData<string>();
        foreach (var scenario in AllScenarios.List)
        {
            data.Add(scenario.Name);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Scenarios))]
    public async Task Trials_of_the_scenario_lose_no_committed_row_duplicate_none_and_leave_nothing_broken_or_stranded(string name)
    {
        var scenario = AllScenarios.Named(name);
        // Fault trials take a fraction of a second, kill trials a few seconds: 2 x 10 + 4 x 6 = 44 trials.
        var trials = scenario.KillsProcesses ? 2 : 4;
        var failures = new List<string>();
        for (var i = 0; i < trials; i++)
        {
            var seed = Harness.TrialSeed(Seed, AllScenarios.List.ToList().IndexOf(scenario) * 10 + i);
            var result = await Harness.RunTrialAsync(scenario, seed);
            output.WriteLine($"{name} seed {seed}: {result.Figures.Kills} kill(s), {result.Figures.Faults} fault(s), " +
                $"{result.Figures.Rows.Checked} rows checked, {result.Figures.Rows.Lost} lost, {result.Figures.Rows.Duplicated} duplicated, {result.Elapsed.TotalSeconds:F1} s");
            var unknown = result.Violations.Where(v => KnownOpenDefects.Match(name, v) is null).ToList();
            foreach (var known in result.Violations.Except(unknown))
            {
                output.WriteLine($"  known open defect ({KnownOpenDefects.Match(name, known)!.Defect}): {known}");
            }
            if (unknown.Count > 0)
            {
                failures.Add(Harness.Describe(result with { Violations = unknown }));
            }
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }
}
