namespace Sleeper.Core.Jobs;

/// <summary>
/// The loop of a stateless worker: takes messages from a queue one at a time and hands each to a handler, until
/// none has been visible for the idle timeout, so workers scale to zero when their queue is empty.
/// </summary>
public static class QueuePoller
{
    /// <param name="onDeadLetter">Called for a message received too often, as the queue moves it to the dead letters.</param>
    /// <param name="handle">Runs one message's job; it deletes or releases the message itself.</param>
    public static async Task RunAsync(IJobQueue queue, TimeSpan visibilityTimeout, TimeSpan pollInterval, TimeSpan idleTimeout, TimeProvider time,
        Func<QueuedMessage, Task>? onDeadLetter, Func<QueuedMessage, Task> handle, CancellationToken cancellationToken)
    {
        var idleSince = time.GetUtcNow();
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var message = await queue.ReceiveAsync(visibilityTimeout, onDeadLetter, cancellationToken);
            if (message is null)
            {
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
