using Sleeper.Aws;

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

    /// <summary>
    /// The folder under its temporary folder where a process stages its S3 writes (<see cref="S3ObjectStore.StagingFolder"/>
    /// is <c>$TMPDIR/sleeper-s3-staging</c> unless configured otherwise).
    /// </summary>
    public const string S3StagingFolderName = "sleeper-s3-staging";

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
        if (trial.Backend == Backend.Services)
        {
            await SweepChildStagingAsync(trial, clock);
        }
    }

    /// <summary>
    /// On services, a process killed mid-write leaves its staged file on its own machine, where only a later
    /// <c>sleeper gc</c> on that machine deletes it (<see cref="S3ObjectStore.DeleteAbandonedWritesAsync"/>): the GC
    /// above ran in the harness's process, whose temporary folder is not the trial processes'. This is that GC's
    /// sweep, on their folder, by the same clock.
    /// </summary>
    private static async Task SweepChildStagingAsync(Trial trial, TimeProvider clock)
    {
        var staging = Path.Combine(trial.ChildTemporaryFolder!, S3StagingFolderName);
        using var store = new S3ObjectStore(trial.Bucket!, "instance", new S3ObjectStoreOptions { Endpoint = TestSupport.LocalServers.S3Endpoint, ScratchFolder = staging });
        var swept = await store.DeleteAbandonedWritesAsync(clock.GetUtcNow() - TimeSpan.FromDays(1));
        if (swept > 0)
        {
            trial.Note($"[in-process, clock +{Trial.RecoveryShift.TotalDays} d] swept {swept} staged write(s) that killed processes left in their temporary folder");
        }
    }

    private static async Task DrainAsync(Trial trial, TimeProvider clock)
    {
        for (var round = 0; round < 4 && await AnyMessagesAsync(trial); round++)
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

    private static async Task<bool> AnyMessagesAsync(Trial trial)
    {
        foreach (var queue in Queues)
        {
            if ((await QueueContentsAsync(trial, queue)).Messages > 0)
            {
                return true;
            }
        }
        return false;
    }

    public static IReadOnlyList<string> QueueNames => Queues;

    /// <summary>What a queue holds, for the checks: messages (waiting or claimed), dead letters, and a few of each named.</summary>
    public sealed record QueueContents(int Messages, int DeadLetters, IReadOnlyList<string> MessageNames, IReadOnlyList<string> DeadLetterNames);

    /// <summary>
    /// Embedded: the files in the queue's folders, so that a message file left beside a deletion claim counts too.
    /// On services: what the queue's port reports (waiting and in-flight messages, dead letters).
    /// </summary>
    public static async Task<QueueContents> QueueContentsAsync(Trial trial, string queue)
    {
        if (trial.Backend == Backend.Embedded)
        {
            return new QueueContents(MessagesIn(trial.Instance, queue), DeadLettersIn(trial.Instance, queue),
                [.. FilesIn(trial.Instance, queue, "messages").Concat(FilesIn(trial.Instance, queue, "claims")).Take(4)],
                [.. FilesIn(trial.Instance, queue, "dead").Take(3)]);
        }
        await using var instance = await trial.OpenInstanceAsync();
        var port = instance.Queue(queue);
        var depth = await port.GetDepthAsync();
        var dead = depth.DeadLetters > 0 ? await port.GetDeadLettersAsync() : [];
        return new QueueContents(depth.Visible + depth.InFlight, depth.DeadLetters,
            [$"{depth.Visible} waiting, {depth.InFlight} in flight"], [.. dead.Take(3).Select(m => $"message {m.MessageId} received {m.ReceiveCount} times")]);
    }

    /// <summary>Messages still in a queue (claimed or not), not counting dead letters.</summary>
    public static int MessagesIn(string instance, string queue) => Count(Path.Combine(instance, "queues", queue, "messages"));

    public static int DeadLettersIn(string instance, string queue) => Count(Path.Combine(instance, "queues", queue, "dead"));

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
