using System.CommandLine;
using Sleeper.Core.Properties;
using Sleeper.GarbageCollector;
using Sleeper.Ingest.Spill;

namespace Sleeper.Cli.Commands;

/// <summary>sleeper gc NAME: delete the files that are ready for garbage collection.</summary>
public static class GcCommand
{
    public static Command Build(CliContext context)
    {
        var name = new Argument<string>("NAME") { Description = "The table" };
        var command = new Command("gc", "Delete the table's files that no partition has referenced for longer than sleeper.table.gc.delay.minutes, files no transaction references older than sleeper.table.gc.orphan.delay.minutes, and scratch folders of killed ingests") { name };
        command.SetAction(async (result, cancel) =>
        {
            await using var instance = await context.OpenInstanceAsync(result, cancel);
            var table = await instance.OpenTableAsync(result.GetValue(name)!, cancellationToken: cancel);
            var scratch = new LocalScratchSpace(instance.Properties.Get(InstanceProperty.IngestScratchFolder));
            var outcome = await new GarbageCollector.GarbageCollector(table, instance.Time, store: instance.Objects, scratch: scratch).RunAsync(cancel);
            context.Out.WriteLine($"Deleted {outcome.FilesDeleted} file(s) ({outcome.BytesDeleted / 1048576.0:F1} MiB) from {table.Name} in {outcome.Batches} commit(s)");
            if (outcome.OrphansDeleted > 0 || outcome.AbandonedWritesDeleted > 0)
            {
                context.Out.WriteLine($"Deleted {outcome.OrphansDeleted} orphan file(s) ({outcome.OrphanBytesDeleted / 1048576.0:F1} MiB) and {outcome.AbandonedWritesDeleted} abandoned write(s)");
            }
            if (outcome.ScratchFoldersRemoved > 0)
            {
                context.Out.WriteLine($"Removed {outcome.ScratchFoldersRemoved} scratch folder(s) left in {scratch.Location} by ingests or bulk imports that were killed");
            }
            return 0;
        });
        return command;
    }
}
