using Sleeper.BulkImport;
using Sleeper.CrashHarness.Faults;
using Sleeper.Ingest;
using Sleeper.Ingest.Input;
using Sleeper.Ingest.Spill;
using Sleeper.Instance;

namespace Sleeper.CrashHarness.Scenarios;

/// <summary>
/// Ingest or bulk import, run in this process with a memory budget so small that every input spills, on a
/// scratch disk that fills up at seeded moments (<see cref="FillingScratchDisk"/>). A spill that fails must
/// fail the whole input with a <see cref="ScratchWriteException"/> that says the disk is full, commit none of
/// it, and leave nothing in the scratch folder; once space is freed, the same input imports whole, once.
/// </summary>
public sealed class ScratchDiskFull(string work) : IScenario
{
    public string Name => "disk-full-" + work;
    public bool KillsProcesses => false;

    public async Task RunAsync(Trial trial)
    {
        await trial.SetUpAsync(new TableSetup { MoreProperties = ["sleeper.table.ingest.memory.bytes=2K", "sleeper.table.ingest.batch.rows=40"] });
        var plan = new FaultPlan(trial.Seed, 0.08) { Only = new HashSet<FaultKind> { FaultKind.ScratchFull } };
        var table = await EmbeddedInstance.Open(trial.Instance).OpenTableAsync(Trial.TableName);
        var scratch = Path.Combine(trial.Folder, "scratch");
        try
        {
            for (var i = 0; i < 4; i++)
            {
                var (batch, path) = trial.NewBatchFile(200 + trial.Random.Next(400), work + " (scratch disk filling)");
                var disk = new FillingScratchDisk(plan);
                try
                {
                    var runs = await ImportAsync(table, path, scratch, disk);
                    batch.Outcome = BatchOutcome.Committed;
                    trial.Note($"[in-process, disk filling] {work} of batch {batch.Number}: returned, after spilling {runs} sorted run(s)");
                    continue;
                }
                catch (ScratchWriteException e) when (e.DiskFull)
                {
                    batch.Outcome = BatchOutcome.NotCommitted;
                    trial.Note($"[in-process, disk filling] {work} of batch {batch.Number}: {e.Message}");
                }
                if (Directory.Exists(scratch) && Directory.EnumerateFileSystemEntries(scratch).Any())
                {
                    trial.Note($"the scratch folder is not empty after the failed {work} of batch {batch.Number}");
                }
                // The user frees space and runs the same input again: it imports whole, and only once.
                await ImportAsync(table, path, scratch, ScratchDisk.Local);
                batch.Outcome = BatchOutcome.Committed;
                trial.Note($"[in-process] {work} of batch {batch.Number} again, with space: returned");
            }
        }
        finally
        {
            trial.Faults += plan.Total;
            trial.Note("faults injected: " + string.Join(", ", plan.Injected.Select(f => $"{f.Key} {f.Value}")));
        }
    }

    /// <summary>Imports the file; returns how many sorted runs it spilled.</summary>
    private async Task<int> ImportAsync(Core.Tables.SleeperTable table, string path, string scratch, ScratchDisk disk)
    {
        var inputs = IngestInputs.Resolve([path], null);
        return work == "ingest"
            ? (await new IngestRunner(table, scratch) { ScratchDisk = disk }.IngestAsync(inputs)).Statistics?.SpilledRuns ?? 0
            : (await new BulkImportRunner(table, new BulkImportOptions { ScratchRoot = scratch, ScratchDisk = disk, MemoryBytes = 8 * 1024, BatchRows = 40, Parallelism = 2 })
                .ImportAsync(inputs)).SpilledRuns;
    }
}
