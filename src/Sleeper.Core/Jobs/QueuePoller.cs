namespace Sleeper.Core.Jobs;

/// <summary>
/// The loop of a stateless worker: takes messages from a queue one at a time and hands each to a handler, until
/// none has been visible for the idle timeout, so workers scale to zero when their queue is empty.
/// </summary>
public static class QueuePoller
{
    /// <param name="onIdle">
    /// Called when the queue runs dry: a receive finds nothing just after one found a message. The receive that
    /// moved a message to the dead letters is often that one, so this is where a worker looks at the dead letters.
    /// </param>
    /// <param name="handle">Runs one message's job; it deletes or releases the message itself.</param>
    public static async Task RunAsync(IJobQueue queue, TimeSpan visibilityTimeout, TimeSpan pollInterval, TimeSpan idleTimeout, TimeProvider time,
        Func<Task>? onIdle, Func<QueuedMessage, Task> handle, CancellationToken cancellationToken)
    {
        var idleSince = time.GetUtcNow();
        var busy = false;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var message = await queue.ReceiveAsync(visibilityTimeout, cancellationToken);
            if (message is null)
            {
                if (busy && onIdle is not null)
                {
                    await onIdle();
                    // The time spent looking counts as busy, not as idle.
                    idleSince = time.GetUtcNow();
                }
                busy = false;
                if (time.GetUtcNow() - idleSince >= idleTimeout)
                {
                    return;
                }
                await Task.Delay(pollInterval, time, cancellationToken);
                continue;
            }
            // Handed back as soon as the stop is asked for, not when the job has wound down: a job busy in a step
            // that does not watch the token (a native read, a user's iterator) may outlast the grace a process gets
            // after Ctrl-C. If the job commits after all, the next attempt finds it done.
            Task? handingBack = null;
            using (cancellationToken.Register(() => handingBack = Task.Run(() => HandBackAsync(queue, message))))
            {
                try
                {
                    await handle(message);
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    await (handingBack ?? HandBackAsync(queue, message));
                    throw;
                }
            }
            busy = true;
            idleSince = time.GetUtcNow();
        }
    }

    /// <summary>
    /// The worker is stopping (Ctrl-C, a shutdown) in the middle of a job: the job goes back to the queue at once,
    /// so that another worker, or the same command run again, can take it now rather than after the visibility
    /// timeout. The table is unchanged unless the job committed, and then the next attempt finds it done. If the
    /// handler had deleted or released the message already, its receipt is stale and this changes nothing.
    /// </summary>
    private static async Task HandBackAsync(IJobQueue queue, QueuedMessage message)
    {
        try
        {
            await queue.ReleaseAsync(message, CancellationToken.None);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // The visibility timeout hands it back anyway; the cancellation is what the caller must see.
        }
    }
}
