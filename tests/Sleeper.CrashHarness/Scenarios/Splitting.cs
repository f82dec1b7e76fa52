namespace Sleeper.CrashHarness.Scenarios;

/// <summary>
/// <c>sleeper split</c> on leaves over a low threshold, killed up to twice, then compaction (which pushes the
/// parents' references down) killed too, then split again to the end: the partitions must still form a tree
/// and every row stay readable exactly once.
/// </summary>
public sealed class Splitting : IScenario
{
    public string Name => "split";
    public bool KillsProcesses => true;

    public async Task RunAsync(Trial trial)
    {
        await trial.SetUpAsync(new TableSetup { SplitPoints = ["n"], SplittingThreshold = 300 });
        for (var i = 0; i < 3; i++)
        {
            await trial.IngestInProcessAsync(300 + trial.Random.Next(300));
        }
        for (var i = 0; i < 2; i++)
        {
            await trial.RunExpectingSuccessAsync(0.8, "split", Trial.TableName);
        }
        await trial.RunExpectingSuccessAsync(0.7, "compact", Trial.TableName, "--all");
        await trial.RunExpectingSuccessAsync(0, "split", Trial.TableName);
        await trial.RunExpectingSuccessAsync(0, "compact", Trial.TableName, "--all");
    }
}
