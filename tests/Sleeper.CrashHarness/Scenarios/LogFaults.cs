using Sleeper.BulkImport;
using Sleeper.Compaction;
using Sleeper.Core.Iterators;
using Sleeper.Core.Jobs;
using Sleeper.Core.StateStore;
using Sleeper.Core.Tables;
using Sleeper.CrashHarness.Faults;
using Sleeper.Ingest;
using Sleeper.Ingest.Input;
using Sleeper.Instance;
using Sleeper.Jobs;
using Sleeper.StateStore;

namespace Sleeper.CrashHarness.Scenarios;

/// <summary>
/// Ingest, bulk import or compaction run in this process against a state store whose log and snapshots fail
/// at seeded moments (<see cref="FaultInjectingTransactionLogStore"/>): appends that fail, that land but report
/// failure, that conflict again and again; failing reads, deletes and snapshot writes. A write that returned
/// has committed everything; one that threw has committed all or nothing, and must never leave a reference to
/// a file it deleted. Compaction runs as the worker does, from the queue, and the recovery finishes its jobs.
/// </summary>
public sealed class LogFaults(string work) : IScenario
{
    public string Name => "faults-" + work;
    public bool KillsProcesses => false;

    public async Task RunAsync(Trial trial)
    {
        await trial.SetUpAsync(new TableSetup { BulkImportMinLeafPartitions = 4 });
        var plan = new FaultPlan(trial.Seed, work == "compaction" ? 0.05 : 0.15) { Enabled = false };
        var instance = EmbeddedInstance.Open(trial.Instance);
        var table = await FaultyTableAsync(instance, plan);
        try
        {
            switch (work)
            {
                case "compaction":
                    for (var i = 0; i < 5; i++)
                    {
                        await trial.IngestInProcessAsync(100 + trial.Random.Next(200));
                    }
                    await trial.MustAsync(null, "compact", Trial.TableName, "--all", "--queue-only");
                    plan.Enabled = true;
                    var worker = new CompactionWorker(
                        FileJobQueue.InInstance(instance.Root!, QueueNames.Compaction, timeProvider: instance.Time),
                        instance.CompactionTracker, (_, _) => Task.FromResult(table), new CompactionTask(instance.Time, IteratorLoader.FromInstanceProperties(instance.Properties)), instance.Time);
                    trial.DeadLettersExpected = "compaction jobs met injected faults on every attempt";
                    try
                    {
                        var outcome = await worker.RunAsync(TimeSpan.Zero);
                        trial.Note($"[in-process, faults] compaction worker: {outcome}");
                    }
                    catch (Exception e) when (e is IOException or Sleeper.Core.SleeperException)
                    {
                        // The worker ends on a fault it does not handle, as its process would exit: like a kill,
                        // what matters is that the recovery finds nothing lost or stuck.
                        trial.Note($"[in-process, faults] the compaction worker ended on {e.GetType().Name}: {e.Message} (at {e.StackTrace?.Split('\n').FirstOrDefault(l => l.Contains("Sleeper.Compaction") || l.Contains("Sleeper.Core"))?.Trim()})");
                    }
                    break;
                default:
                    plan.Enabled = true;
                    for (var i = 0; i < 4; i++)
                    {
                        var (batch, path) = trial.NewBatchFile(150 + trial.Random.Next(300), work + " (faults)");
                        try
                        {
                            var inputs = IngestInputs.Resolve([path], null);
                            if (work == "ingest")
                            {
                                await new IngestRunner(table, Path.Combine(trial.Folder, "scratch")).IngestAsync(inputs);
                            }
                            else
                            {
                                await new BulkImportRunner(table, new BulkImportOptions { ScratchRoot = Path.Combine(trial.Folder, "scratch") }).ImportAsync(inputs);
                            }
                            batch.Outcome = BatchOutcome.Committed;
                            trial.Note($"[in-process, faults] {work} of batch {batch.Number}: returned");
                        }
                        catch (Exception e) when (e is IOException or Sleeper.Core.SleeperException or OperationCanceledException)
                        {
                            batch.Outcome = BatchOutcome.AllOrNothing;
                            trial.Note($"[in-process, faults] {work} of batch {batch.Number}: threw {e.GetType().Name}: {e.Message}");
                        }
                    }
                    break;
            }
        }
        finally
        {
            plan.Enabled = false;
            trial.Faults += plan.Total;
            trial.Note("faults injected: " + string.Join(", ", plan.Injected.Select(f => $"{f.Key} {f.Value}")));
        }
    }

    /// <summary>The table as the command line opens it, but with its log and snapshots behind the fault adapters.</summary>
    private static async Task<SleeperTable> FaultyTableAsync(SleeperInstance instance, FaultPlan plan)
    {
        var clean = await instance.OpenTableAsync(Trial.TableName);
        var folder = Path.Combine(instance.Root!, clean.Id, "statestore");
        var store = new TransactionLogStateStore(clean.Schema,
            new FaultInjectingTransactionLogStore(new FileTransactionLogStore(Path.Combine(folder, EmbeddedStateStores.TransactionsFolder)), plan),
            new FaultInjectingSnapshotStore(new FileSnapshotStore(clean.Objects, $"{clean.Id}/statestore/{EmbeddedStateStores.SnapshotsFolder}/"), plan),
            instance.Time, new Random(plan.NextInt(int.MaxValue)),
            new TransactionLogStateStoreOptions { SnapshotEveryTransactions = 2, DeleteTransactionsBehindSnapshotsOlderThan = TimeSpan.Zero });
        return new SleeperTable(clean.Status, clean.Schema, clean.Properties, store, new FaultInjectingObjectStore(clean.Objects, plan));
    }
}
