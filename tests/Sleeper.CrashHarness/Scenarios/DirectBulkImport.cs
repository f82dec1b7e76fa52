namespace Sleeper.CrashHarness.Scenarios;

/// <summary>
/// <c>sleeper bulk-import</c> of several files in turn, each killed or not, on a table with fewer leaves than
/// its minimum so the first import pre-splits it: all-or-nothing for a killed import, everything for one that
/// exited 0.
/// </summary>
public sealed class DirectBulkImport : IScenario
{
    public string Name => "bulk-import";
    public bool KillsProcesses => true;

    public async Task RunAsync(Trial trial)
    {
        await trial.SetUpAsync(new TableSetup { SplitPoints = ["n"], BulkImportMinLeafPartitions = 8 });
        for (var i = 0; i < 3; i++)
        {
            var (batch, path) = trial.NewBatchFile(300 + trial.Random.Next(500), "bulk-import");
            var outcome = await trial.RunExpectingSuccessAsync(0.6, "bulk-import", Trial.TableName, path);
            batch.Outcome = outcome.Succeeded ? BatchOutcome.Committed : BatchOutcome.AllOrNothing;
        }
    }
}
