using System.CommandLine;
using Sleeper.Scheduler;

namespace Sleeper.Cli.Commands;

/// <summary>sleeper instance pause | resume: stop and restart the instance's scheduled work, in every scheduler that runs it.</summary>
public static class InstancePauseCommands
{
    public static void AddTo(Command instanceCommand, CliContext context)
    {
        var pause = new Command("pause", "Stop the scheduled work (compaction job creation, splitting, GC, snapshots, batcher) and the start of task workers, in every running scheduler");
        pause.SetAction(async (result, cancel) =>
        {
            await using var instance = await context.OpenInstanceAsync(result, cancel);
            await new SchedulerPause(instance.Objects, instance.Time).PauseAsync(cancel);
            context.Out.WriteLine($"Paused the scheduled work of {instance.Description}; running schedulers skip their rounds from their next tick. Resume with 'sleeper instance resume'.");
            return 0;
        });
        var resume = new Command("resume", "Restart the scheduled work stopped by 'sleeper instance pause'");
        resume.SetAction(async (result, cancel) =>
        {
            await using var instance = await context.OpenInstanceAsync(result, cancel);
            var wasPaused = await new SchedulerPause(instance.Objects, instance.Time).ResumeAsync(cancel);
            context.Out.WriteLine(wasPaused
                ? $"Resumed the scheduled work of {instance.Description}."
                : $"The scheduled work of {instance.Description} was not paused.");
            return 0;
        });
        instanceCommand.Subcommands.Add(pause);
        instanceCommand.Subcommands.Add(resume);
    }
}
