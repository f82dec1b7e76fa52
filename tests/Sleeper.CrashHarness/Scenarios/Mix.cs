namespace Sleeper.CrashHarness.Scenarios;

/// <summary>
/// Everything at once: direct ingests, a bulk import, queued ingest and bulk import jobs with their workers,
/// compaction, splitting and GC, all running together and each killed or not at its own seeded moment.
/// </summary>
public sealed class Mix : IScenario
{
    public string Name => "mix";
    public bool KillsProcesses => true;

    public async Task RunAsync(Trial trial)
    {
        await trial.SetUpAsync(new TableSetup { SplittingThreshold = 400 });
        for (var i = 0; i < 3; i++)
        {
            await trial.IngestInProcessAsync(100 + trial.Random.Next(200));
        }
        foreach (var command in new[] { "ingest", "bulk-import" })
        {
            var (batch, path) = trial.NewBatchFile(150 + trial.Random.Next(200), command + " submit");
            var outcome = await trial.RunExpectingSuccessAsync(0, command, "submit", Trial.TableName, path);
            batch.Outcome = outcome.Succeeded ? BatchOutcome.Committed : BatchOutcome.AllOrNothing;
        }
        var direct = new[] { "ingest", "ingest", "bulk-import" }.Select(c => (Command: c, File: trial.NewBatchFile(150 + trial.Random.Next(250), c))).ToList();
        // Every plan is drawn before anything starts, so the kills depend on the seed alone.
        var directPlans = direct.Select(d => (d.File.Batch, Plan: trial.Plan(0.4, d.Command, Trial.TableName, d.File.Path))).ToList();
        var otherPlans = new[]
        {
            trial.Plan(0.4, "worker", "ingest", "--idle-timeout", "0.5"),
            trial.Plan(0.4, "worker", "bulk-import", "--idle-timeout", "0.5"),
            trial.Plan(0.4, "compact", Trial.TableName, "--all"),
            trial.Plan(0.4, "split", Trial.TableName),
            trial.Plan(0.4, "gc", Trial.TableName),
        };
        var work = new List<Task>();
        foreach (var (batch, plan) in directPlans)
        {
            work.Add(Task.Run(async () =>
            {
                var outcome = await trial.RunExpectingSuccessAsync(plan);
                batch.Outcome = outcome.Succeeded ? BatchOutcome.Committed : BatchOutcome.AllOrNothing;
            }));
        }
        work.AddRange(otherPlans.Select(p => (Task)trial.RunExpectingSuccessAsync(p)));
        await Task.WhenAll(work);
        await trial.RunExpectingSuccessAsync(0, "compact", Trial.TableName, "--all");
    }
}
