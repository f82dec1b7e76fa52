namespace Sleeper.CrashHarness.Scenarios;

/// <summary>
/// <c>sleeper gc</c> killed while it deletes the files a compaction replaced (the GC delay is zero), then run
/// again: no reference may ever point at a deleted file.
/// </summary>
public sealed class GarbageCollection : IScenario
{
    public string Name => "gc";
    public bool KillsProcesses => true;

    public async Task RunAsync(Trial trial)
    {
        await trial.SetUpAsync(new TableSetup());
        for (var i = 0; i < 6; i++)
        {
            await trial.IngestInProcessAsync(100 + trial.Random.Next(200));
        }
        await trial.MustAsync(null, "compact", Trial.TableName, "--all");
        for (var i = 0; i < 2; i++)
        {
            await trial.RunExpectingSuccessAsync(0.8, "gc", Trial.TableName);
        }
        await trial.RunExpectingSuccessAsync(0, "gc", Trial.TableName);
    }
}
