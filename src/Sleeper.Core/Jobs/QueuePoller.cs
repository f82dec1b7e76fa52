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
            await handle(message);
            idleSince = time.GetUtcNow();
        }
    }
}
