namespace Sleeper.CrashHarness.Scenarios;

/// <summary>
/// <c>sleeper ingest</c> of several files in turn, each killed or not: a killed ingest commits all of its rows
/// or none, one that exits 0 has committed all of them. The user does not rerun a killed ingest (they cannot
/// know whether it committed without looking), so its batch stays all-or-nothing.
/// </summary>
public sealed class DirectIngest : IScenario
{
    public string Name => "ingest";
    public bool KillsProcesses => true;

    public async Task RunAsync(Trial trial)
    {
        await trial.SetUpAsync(new TableSetup());
        for (var i = 0; i < 4; i++)
        {
            var (batch, path) = trial.NewBatchFile(200 + trial.Random.Next(400), "ingest");
            var outcome = await trial.RunExpectingSuccessAsync(0.6, "ingest", Trial.TableName, path);
            batch.Outcome = outcome.Succeeded ? BatchOutcome.Committed : BatchOutcome.AllOrNothing;
        }
    }
}
