using System.CommandLine;
using Sleeper.GarbageCollector;

namespace Sleeper.Cli.Commands;

/// <summary>sleeper gc NAME: delete the files that are ready for garbage collection.</summary>
public static class GcCommand
{
    public static Command Build(CliContext context)
    {
        var name = new Argument<string>("NAME") { Description = "The table" };
        var command = new Command("gc", "Delete the table's files that no partition has referenced for longer than sleeper.table.gc.delay.minutes, and files no transaction references older than sleeper.table.gc.orphan.delay.minutes") { name };
        command.SetAction(async (result, cancel) =>
        {
            var instance = context.OpenInstance(result);
            var table = instance.OpenTable(result.GetValue(name)!);
            var outcome = await new GarbageCollector.GarbageCollector(table, instance.Time, store: InstanceStorage.Objects(instance)).RunAsync(cancel);
            context.Out.WriteLine($"Deleted {outcome.FilesDeleted} file(s) ({outcome.BytesDeleted / 1048576.0:F1} MiB) from {table.Name} in {outcome.Batches} commit(s)");
            if (outcome.OrphansDeleted > 0 || outcome.AbandonedWritesDeleted > 0)
            {
                context.Out.WriteLine($"Deleted {outcome.OrphansDeleted} orphan file(s) ({outcome.OrphanBytesDeleted / 1048576.0:F1} MiB) and {outcome.AbandonedWritesDeleted} abandoned write(s)");
            }
            return 0;
        });
        return command;
    }
}
