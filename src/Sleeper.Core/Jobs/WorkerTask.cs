using Sleeper.Core.Tracking;

namespace Sleeper.Core.Jobs;

/// <summary>What one attempt at one queued job came to, as a worker task counts it.</summary>
public readonly record struct JobAttempt(bool Succeeded, bool Ran, long RowsRead, long RowsWritten)
{
    /// <summary>The attempt failed; the message went back to the queue (or to the dead letters).</summary>
    public static JobAttempt Failed => new(false, false, 0, 0);

    /// <summary>An earlier attempt had already finished the job; only its message was deleted.</summary>
    public static JobAttempt AlreadyDone => new(true, false, 0, 0);

    public static JobAttempt Finished(long rowsRead, long rowsWritten) => new(true, true, rowsRead, rowsWritten);

    /// <summary>An attempt that failed, found its job already done (no result), or ran it (its result).</summary>
    public static JobAttempt Of<TResult>(bool succeeded, TResult? result, Func<TResult, JobAttempt> finished)
        where TResult : class =>
        !succeeded ? Failed : result is null ? AlreadyDone : finished(result);
}

/// <summary>
/// The totals of one worker task: the jobs it ran, its failed attempts, the jobs it tried that ended in the dead
/// letters (as its own sweeps of the dead letters found them), and the rows its jobs read and wrote.
/// </summary>
public readonly record struct WorkerTaskTotals(int JobsRun, int JobsFailed, long RowsRead, long RowsWritten, int JobsDeadLettered = 0)
{
    /// <summary>
    /// True when the task took work and none of it succeeded: every attempt failed or went to the dead letters. A
    /// worker command exits non-zero then, so that a script sees the failure without reading the reports.
    /// </summary>
    public bool NothingSucceeded => JobsRun == 0 && (JobsFailed > 0 || JobsDeadLettered > 0);
}

/// <summary>
/// The life of a worker task, the same for every kind of job: it records its start on the tracker, runs
/// messages from the queue until it has been idle for the timeout (<see cref="QueuePoller"/>), and records its
/// end with its totals, also when it stops on a failure or a cancellation. Along the way it sweeps its queue's
/// dead letters (<see cref="DeadLetterSweep"/>), since the queue tells nobody when it gives up on a message.
/// </summary>
public static class WorkerTask
{
    /// <summary>
    /// How often a task that keeps busy sweeps the dead letters anyway, for the jobs it failed that another
    /// receiver moved there while this one had other work, and for those of tasks that died before their sweep.
    /// </summary>
    public static readonly TimeSpan DeadLetterSweepInterval = TimeSpan.FromMinutes(1);

    /// <param name="deadLetters">
    /// The sweep of this queue's dead letters, or null for none. It runs when the task starts (dead letters left
    /// unreported by tasks that died), when the queue runs dry after a failed attempt or after
    /// <see cref="DeadLetterSweepInterval"/> (most dead letters are moved by the receive that finds the queue
    /// dry), and while busy at most once per interval.
    /// </param>
    public static async Task<WorkerTaskTotals> RunAsync(IJobTracker tracker, string taskId, TimeProvider time, IJobQueue queue,
        TimeSpan visibilityTimeout, TimeSpan pollInterval, TimeSpan idleTimeout, DeadLetterSweep? deadLetters,
        Func<QueuedMessage, Task<JobAttempt>> attempt, CancellationToken cancellationToken)
    {
        await tracker.RecordAsync(new TaskEvent(taskId, false, time.GetUtcNow()), cancellationToken);
        var totals = new WorkerTaskTotals(0, 0, 0, 0);
        // The messages this task failed, and those of them found in the dead letters since.
        var failed = new HashSet<string>(StringComparer.Ordinal);
        var dead = new HashSet<string>(StringComparer.Ordinal);
        var failedSinceSweep = false;
        var lastSweep = time.GetUtcNow();
        async Task SweepAsync()
        {
            if (deadLetters is null)
            {
                return;
            }
            var swept = await deadLetters.RunAsync(cancellationToken: cancellationToken);
            lastSweep = time.GetUtcNow();
            failedSinceSweep = false;
            dead.UnionWith(swept.Letters.Select(l => l.MessageId).Where(failed.Contains));
            totals = totals with { JobsDeadLettered = dead.Count };
        }
        bool SweepDue() => time.GetUtcNow() - lastSweep >= DeadLetterSweepInterval;
        try
        {
            await SweepAsync();
            await QueuePoller.RunAsync(queue, visibilityTimeout, pollInterval, idleTimeout, time, async () =>
            {
                if (failedSinceSweep || SweepDue())
                {
                    await SweepAsync();
                }
            }, async message =>
            {
                var outcome = await attempt(message);
                if (!outcome.Succeeded)
                {
                    totals = totals with { JobsFailed = totals.JobsFailed + 1 };
                    failed.Add(message.MessageId);
                    failedSinceSweep = true;
                }
                else if (outcome.Ran)
                {
                    totals = totals with
                    {
                        JobsRun = totals.JobsRun + 1, RowsRead = totals.RowsRead + outcome.RowsRead, RowsWritten = totals.RowsWritten + outcome.RowsWritten,
                    };
                }
                if (SweepDue())
                {
                    await SweepAsync();
                }
            }, cancellationToken);
        }
        finally
        {
            await tracker.RecordAsync(new TaskEvent(taskId, true, time.GetUtcNow(), totals.JobsRun, totals.RowsRead, totals.RowsWritten), CancellationToken.None);
        }
        return totals;
    }
}
