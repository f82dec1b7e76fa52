namespace Sleeper.CrashHarness.Checks;

/// <summary>
/// Restarts the work after the kills, as an operator would once the leases of the dead processes ran out: the
/// workers run until every queue is empty, then a compaction of the whole table, then GC. The commands run in
/// this process by a clock two days ahead, so every visibility timeout, GC delay and orphan delay has passed
/// without the trial waiting for it.
/// </summary>
public static class Recovery
{
    private static readonly string[] Queues = ["ingest", "bulk-import", "compaction"];

    public static async Task RunAsync(Trial trial)
    {
        var clock = new ShiftedClock(Trial.RecoveryShift);
        // A job handed back after a failure is visible again at once, so a few rounds drain any queue; a job that
        // keeps failing ends in the dead letters, which the checks report.
        await DrainAsync(trial, clock);
        // What the scheduler runs next: a compaction of the whole table, which must find every file it needs
        // free (assignments left by a dead process released by now) and run to the end.
        await trial.MustAsync(clock, "compact", Trial.TableName, "--all");
        await DrainAsync(trial, clock);
        await trial.MustAsync(clock, "gc", Trial.TableName);
    }

    private static async Task DrainAsync(Trial trial, TimeProvider clock)
    {
        for (var round = 0; round < 4 && Queues.Any(q => MessagesIn(trial.Instance, q) > 0); round++)
        {
            foreach (var worker in new[] { "ingest", "bulk-import", "compaction" })
            {
                // A worker whose jobs were all dead-lettered exits 1. Where faults made that expected, the checks
                // judge the outcome (files released, nothing lost) rather than the exit status.
                if (trial.DeadLettersExpected is null)
                {
                    await trial.MustAsync(clock, "worker", worker, "--idle-timeout", "0");
                }
                else
                {
                    await trial.InProcessAsync(clock, "worker", worker, "--idle-timeout", "0");
                }
            }
        }
    }

    /// <summary>Messages still in a queue (claimed or not), not counting dead letters.</summary>
    public static int MessagesIn(string instance, string queue) => Count(Path.Combine(instance, "queues", queue, "messages"));

    public static int DeadLettersIn(string instance, string queue) => Count(Path.Combine(instance, "queues", queue, "dead"));

    public static IReadOnlyList<string> QueueNames => Queues;

    /// <summary>The files in a queue's folder, for a report: message or dead letter files, with any claim files beside them.</summary>
    public static IReadOnlyList<string> FilesIn(string instance, string queue, string folder)
    {
        var path = Path.Combine(instance, "queues", queue, folder);
        return Directory.Exists(path)
            ? Directory.EnumerateFiles(path, "*", SearchOption.AllDirectories).Where(f => !IsTemporary(Path.GetFileName(f))).Select(f => Path.GetRelativePath(Path.Combine(instance, "queues"), f)).ToList()
            : [];
    }

    /// <summary>Files, not counting the temporary files of writes never finished (the checks report those as leftovers).</summary>
    private static int Count(string folder) => Directory.Exists(folder)
        ? Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories).Count(f => !IsTemporary(Path.GetFileName(f)))
        : 0;

    /// <summary>The name the instance's atomic writes give their temporary files: a leading dot, a .tmp ending.</summary>
    public static bool IsTemporary(string fileName) => fileName.StartsWith('.') && fileName.EndsWith(".tmp", StringComparison.Ordinal);
}
