namespace Sleeper.Core.Jobs;

/// <summary>
/// Keeps a received message hidden from other consumers while its job runs, by extending its visibility
/// timeout every half timeout, so a long job is not handed to a second worker while the first is still alive.
/// If the process dies, the extensions stop and the message comes back after the timeout.
/// </summary>
public sealed class VisibilityExtender : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _extending;

    private VisibilityExtender(IJobQueue queue, QueuedMessage message, TimeSpan visibilityTimeout, TimeProvider time)
    {
        _extending = ExtendAsync(queue, message, visibilityTimeout, time, _stop.Token);
    }

    public static VisibilityExtender Start(IJobQueue queue, QueuedMessage message, TimeSpan visibilityTimeout, TimeProvider time) =>
        new(queue, message, visibilityTimeout, time);

    /// <summary>Stops extending; safe to call more than once.</summary>
    public async Task StopAsync()
    {
        if (!_stop.IsCancellationRequested)
        {
            await _stop.CancelAsync();
        }
        await _extending;
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _stop.Dispose();
    }

    private static async Task ExtendAsync(IJobQueue queue, QueuedMessage message, TimeSpan visibilityTimeout, TimeProvider time, CancellationToken stop)
    {
        try
        {
            while (true)
            {
                await Task.Delay(visibilityTimeout / 2, time, stop);
                await queue.ExtendVisibilityAsync(message, visibilityTimeout, stop);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
