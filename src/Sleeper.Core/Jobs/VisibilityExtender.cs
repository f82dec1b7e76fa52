namespace Sleeper.Core.Jobs;

/// <summary>
/// Keeps a received message hidden from other consumers while its job runs, by extending its visibility
/// timeout every half timeout, so a long job is not handed to a second worker while the first is still alive.
/// If the process dies, the extensions stop and the message comes back after the timeout.
/// </summary>
/// <remarks>
/// A worker can also lose its claim while alive: it stalls (a long pause, a slow disk) past its timeout and
/// another worker receives the job. Then an extension fails; <see cref="ClaimLost"/> turns true and
/// <see cref="ClaimLostToken"/> is cancelled, so the job's work stops early. A worker calls
/// <see cref="HoldForCommitAsync"/> right before its commit: it renews the claim one last time, so that nobody
/// else can receive the job for a whole timeout (which the one commit fits well within), or throws
/// <see cref="ClaimLostException"/> if the claim is gone. So two attempts at one job never both commit.
/// </remarks>
public sealed class VisibilityExtender : IAsyncDisposable
{
    private readonly IJobQueue _queue;
    private readonly QueuedMessage _message;
    private readonly TimeSpan _visibilityTimeout;
    private readonly CancellationTokenSource _stop = new();
    private readonly CancellationTokenSource _lost = new();
    private readonly Task _extending;

    private VisibilityExtender(IJobQueue queue, QueuedMessage message, TimeSpan visibilityTimeout, TimeProvider time)
    {
        _queue = queue;
        _message = message;
        _visibilityTimeout = visibilityTimeout;
        _extending = ExtendAsync(time, _stop.Token);
    }

    public static VisibilityExtender Start(IJobQueue queue, QueuedMessage message, TimeSpan visibilityTimeout, TimeProvider time) =>
        new(queue, message, visibilityTimeout, time);

    /// <summary>Whether an extension found that another worker may have the job now.</summary>
    public bool ClaimLost => _lost.IsCancellationRequested;

    /// <summary>Cancelled when the claim is lost: link the job's work to it, so a job that is no longer ours stops.</summary>
    public CancellationToken ClaimLostToken => _lost.Token;

    /// <summary>Stops extending; safe to call more than once.</summary>
    public async Task StopAsync()
    {
        if (!_stop.IsCancellationRequested)
        {
            await _stop.CancelAsync();
        }
        await _extending;
    }

    /// <summary>
    /// Stops the periodic extensions and renews the claim once more, for the commit that follows: the job stays
    /// ours for a whole visibility timeout from now. Throws <see cref="ClaimLostException"/> if it is not ours.
    /// </summary>
    public async Task HoldForCommitAsync(CancellationToken cancellationToken)
    {
        // Stopped first, so this renewal is not racing one of the periodic ones.
        await StopAsync();
        if (ClaimLost || !await _queue.ExtendVisibilityAsync(_message, _visibilityTimeout, cancellationToken))
        {
            await MarkLostAsync();
            throw new ClaimLostException(_queue.Name, _message.MessageId);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _stop.Dispose();
        _lost.Dispose();
    }

    private async Task MarkLostAsync()
    {
        if (!_lost.IsCancellationRequested)
        {
            await _lost.CancelAsync();
        }
    }

    private async Task ExtendAsync(TimeProvider time, CancellationToken stop)
    {
        try
        {
            while (true)
            {
                await Task.Delay(_visibilityTimeout / 2, time, stop);
                bool extended;
                try
                {
                    extended = await _queue.ExtendVisibilityAsync(_message, _visibilityTimeout, stop);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // A renewal that fails outright (the queue unreachable for a moment) says nothing about who
                    // holds the job: the next one may succeed, and the renewal before the commit decides.
                    continue;
                }
                if (!extended)
                {
                    await MarkLostAsync();
                    return;
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
