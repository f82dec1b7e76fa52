using Sleeper.Ingest;
using Sleeper.Ingest.Input;
using Sleeper.Instance;

namespace Sleeper.CrashHarness.Scenarios;

/// <summary>
/// Many small ingests at once from threads of this process, each through its own state store (as separate
/// processes would be), against a table that writes a snapshot every two transactions and deletes the log
/// behind it at once; no kill and no fault. Every ingest that returned has committed, so every one of its
/// rows must be there. This is the <c>snapshots</c> scenario without the process start-up, so its races
/// come many times a second.
/// </summary>
public sealed class InProcessCommitStorm : IScenario
{
    public string Name => "commit-storm";
    public bool KillsProcesses => false;

    public async Task RunAsync(Trial trial)
    {
        await trial.SetUpAsync(new TableSetup { SnapshotEveryTransactions = 2 });
        var writers = Enumerable.Range(0, 8).Select(_ => Enumerable.Range(0, 6)
            .Select(_ => trial.NewBatchFile(10 + trial.Random.Next(20), "ingest (in-process storm)")).ToList()).ToList();
        await Task.WhenAll(writers.Select(batches => Task.Run(async () =>
        {
            foreach (var (batch, path) in batches)
            {
                var table = await EmbeddedInstance.Open(trial.Instance).OpenTableAsync(Trial.TableName);
                try
                {
                    await new IngestRunner(table, Path.Combine(trial.Folder, "scratch")).IngestAsync(IngestInputs.Resolve([path], null));
                    batch.Outcome = BatchOutcome.Committed;
                }
                catch (Exception e) when (e is IOException or Sleeper.Core.SleeperException)
                {
                    // Nothing here injects a fault: a failure is itself a violation, and the batch may be half there.
                    trial.AddViolation(new Violation(ViolationKind.CommandFailed, $"in-process ingest of batch {batch.Number} threw {e.GetType().Name}: {e.Message}"));
                }
            }
        })));
    }
}
