namespace Sleeper.CrashHarness.Scenarios;

/// <summary>
/// Many small ingests at once against a table that snapshots every two transactions and deletes the log behind
/// each snapshot at once, with kills: the snapshot writing and log deletion that follow a commit run under
/// constant contention and are cut short at random.
/// </summary>
public sealed class CommitStorm : IScenario
{
    public string Name => "snapshots";
    public bool KillsProcesses => true;

    public async Task RunAsync(Trial trial)
    {
        await trial.SetUpAsync(new TableSetup { SnapshotEveryTransactions = 2 });
        var batches = Enumerable.Range(0, 6).Select(_ => trial.NewBatchFile(50 + trial.Random.Next(100), "ingest (storm)")).ToList();
        var plans = batches.Select(b => trial.Plan(0.4, "ingest", Trial.TableName, b.Path)).ToList();
        var running = batches.Zip(plans, async (b, plan) =>
        {
            var outcome = await trial.RunExpectingSuccessAsync(plan);
            b.Batch.Outcome = outcome.Succeeded ? BatchOutcome.Committed : BatchOutcome.AllOrNothing;
        }).ToList();
        await Task.WhenAll(running);
        await trial.RunExpectingSuccessAsync(0.5, "compact", Trial.TableName, "--all");
    }
}
