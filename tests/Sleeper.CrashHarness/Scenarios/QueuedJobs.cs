namespace Sleeper.CrashHarness.Scenarios;

/// <summary>
/// Queued ingest or bulk import: jobs submitted (a killed submit may or may not have queued its job), then
/// workers killed at random, then the recovery's workers. Every job whose submit exited 0 must end committed
/// exactly once, however many attempts were killed part-way.
/// </summary>
public sealed class QueuedJobs(string command) : IScenario
{
    public string Name => command + "-queued";
    public bool KillsProcesses => true;

    public async Task RunAsync(Trial trial)
    {
        await trial.SetUpAsync(new TableSetup { BulkImportMinLeafPartitions = 4 });
        var jobs = 2 + trial.Random.Next(3);
        for (var i = 0; i < jobs; i++)
        {
            var (batch, path) = trial.NewBatchFile(200 + trial.Random.Next(300), command + " submit");
            var outcome = await trial.RunExpectingSuccessAsync(0.2, command, "submit", Trial.TableName, path);
            batch.Outcome = outcome.Succeeded ? BatchOutcome.Committed : BatchOutcome.AllOrNothing;
        }
        // At most two killed workers: a job received a third time by the recovery is still under the queue's
        // limit of three receives, so no kill alone can send a job to the dead letters.
        for (var i = 0; i < 2; i++)
        {
            await trial.RunExpectingSuccessAsync(0.8, "worker", command, "--idle-timeout", "0.5");
        }
    }
}
