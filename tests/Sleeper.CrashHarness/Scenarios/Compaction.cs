namespace Sleeper.CrashHarness.Scenarios;

/// <summary>
/// Compaction of a table with several files per leaf. With <c>queued</c>, <c>compact --all --queue-only</c> (killed
/// or not) then compaction workers killed at random; otherwise <c>compact --all</c> killed up to twice and then
/// run to the end, as a user would rerun it. The recovery's workers finish what is left.
/// </summary>
public sealed class Compaction(bool queued) : IScenario
{
    public string Name => queued ? "compact-queued" : "compact-all";
    public bool KillsProcesses => true;

    public async Task RunAsync(Trial trial)
    {
        await trial.SetUpAsync(new TableSetup());
        var files = 4 + trial.Random.Next(4);
        for (var i = 0; i < files; i++)
        {
            await trial.IngestInProcessAsync(150 + trial.Random.Next(300));
        }
        if (queued)
        {
            await trial.RunExpectingSuccessAsync(0.5, "compact", Trial.TableName, "--all", "--queue-only");
            for (var i = 0; i < 2; i++)
            {
                await trial.RunExpectingSuccessAsync(0.8, "worker", "compaction", "--idle-timeout", "0.5");
            }
            // What a user runs next: compaction again, which must find nothing stuck.
            await trial.RunExpectingSuccessAsync(0, "compact", Trial.TableName, "--all", "--queue-only");
            return;
        }
        for (var i = 0; i < 2; i++)
        {
            await trial.RunExpectingSuccessAsync(0.8, "compact", Trial.TableName, "--all");
        }
        await trial.RunExpectingSuccessAsync(0, "compact", Trial.TableName, "--all");
    }
}
