using System.Diagnostics;
using Sleeper.CrashHarness;
using Sleeper.CrashHarness.Scenarios;

// The crash and fault harness. A run: --trials N --seed S [--scenario NAME]... [--parallel P] [--keep] [--report FILE.md]
// [--backend embedded|services]; one trial alone: --scenario NAME --trial-seed SEED [--backend …]. Exit 0 when every
// trial passed, 1 when any failed, 2 on bad usage. On services, the servers come from SLEEPER_S3_ENDPOINT and
// SLEEPER_POSTGRES (and the AWS_* credentials), as `sleeper services start --format env` prints them.
var trials = 0;
var seed = 1;
int? trialSeed = null;
var parallel = 1;
var keep = false;
string? reportFile = null;
var backend = Backend.Embedded;
var names = new List<string>();
try
{
    for (var i = 0; i < args.Length; i++)
    {
        string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
        switch (args[i])
        {
            case "--trials": trials = int.Parse(Value()); break;
            case "--seed": seed = int.Parse(Value()); break;
            case "--trial-seed": trialSeed = int.Parse(Value()); break;
            case "--scenario": names.Add(Value()); break;
            case "--parallel": parallel = int.Parse(Value()); break;
            case "--keep": keep = true; break;
            case "--report": reportFile = Value(); break;
            case "--backend": backend = Backends.Parse(Value()); break;
            default: throw new ArgumentException($"Unknown argument '{args[i]}'.");
        }
    }
    if (trialSeed is null && trials <= 0)
    {
        throw new ArgumentException("Give --trials N (with --seed S), or --scenario NAME --trial-seed SEED for one trial.");
    }
    if (backend == Backend.Services)
    {
        if (parallel > 1)
        {
            throw new ArgumentException("Trials on services run one at a time: leave out --parallel (see docs/reliability.md).");
        }
        ServicesBackend.EnsureConfigured();
    }
}
catch (Exception e) when (e is ArgumentException or FormatException or Sleeper.Core.SleeperException)
{
    Console.Error.WriteLine(e.Message);
    Console.Error.WriteLine("Scenarios: " + string.Join(", ", AllScenarios.List.Select(s => s.Name)));
    Console.Error.WriteLine("On services: " + string.Join(", ", Harness.RunningOn(AllScenarios.List, Backend.Services).Select(s => s.Name)));
    return 2;
}

var scenarios = names.Count == 0 ? Harness.RunningOn(AllScenarios.List, backend) : names.Select(AllScenarios.Named).ToList();
if (scenarios.FirstOrDefault(s => backend == Backend.Services && s.EmbeddedOnly is not null) is { } embeddedOnly)
{
    Console.Error.WriteLine($"Scenario {embeddedOnly.Name} runs only on an embedded instance: {embeddedOnly.EmbeddedOnly}.");
    return 2;
}
if (trialSeed is { } one)
{
    var result = await Harness.RunTrialAsync(scenarios[0], one, keepFailed: keep, backend: backend);
    Console.WriteLine(result.Passed ? $"PASSED {result.Scenario} seed {one} in {result.Elapsed.TotalSeconds:F1} s" : Harness.Describe(result));
    Console.WriteLine($"  {result.Figures.Processes} processes, {result.Figures.Kills} killed, {result.Figures.Rows.Checked} rows checked" +
        string.Concat((result.Counts ?? new Dictionary<string, int>()).Select(c => $", {c.Key}: {c.Value}")));
    if (result.Passed)
    {
        foreach (var line in result.Log)
        {
            Console.WriteLine("  " + line.ReplaceLineEndings(" "));
        }
    }
    if (!keep)
    {
        ServicesBackend.RestoreTemporaryFolder();
    }
    return result.Passed ? 0 : 1;
}

var watch = Stopwatch.StartNew();
var done = 0;
var finished = new List<TrialResult>();
var results = await Harness.RunAsync(scenarios, trials, seed, parallel, r =>
{
    var n = Interlocked.Increment(ref done);
    if (reportFile is not null)
    {
        // The figures so far, rewritten as trials end, so a run cut short still leaves its figures.
        lock (finished)
        {
            finished.Add(r);
            File.WriteAllText(reportFile, HarnessReport.Markdown(finished, watch.Elapsed) + $"\n(partial: {finished.Count} of {trials} trials)\n");
        }
    }
    Console.Error.WriteLine($"[{n}/{trials}] {r.Scenario} seed {r.Seed}: {(r.Passed ? "passed" : "FAILED")} in {r.Elapsed.TotalSeconds:F1} s " +
        $"({r.Figures.Kills} kill(s), {r.Figures.Faults} fault(s), {r.Figures.Rows.Checked} rows" +
        string.Concat((r.Counts ?? new Dictionary<string, int>()).OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => $", {c.Key} {c.Value}")) + ")");
    if (!r.Passed)
    {
        Console.Error.Write(Harness.Describe(r));
    }
}, keep, backend);
var report = HarnessReport.Markdown(results, watch.Elapsed);
Console.WriteLine(report);
foreach (var failed in results.Where(r => !r.Passed))
{
    Console.WriteLine($"FAILED {failed.Scenario} seed {failed.Seed}: {string.Join("; ", failed.Violations.Take(3))}");
    Console.WriteLine($"  rerun: {Harness.RerunCommand(failed.Scenario, failed.Seed, backend)}");
}
if (reportFile is not null)
{
    await File.WriteAllTextAsync(reportFile, report);
}
if (!keep)
{
    ServicesBackend.RestoreTemporaryFolder();
}
return results.All(r => r.Passed) ? 0 : 1;
