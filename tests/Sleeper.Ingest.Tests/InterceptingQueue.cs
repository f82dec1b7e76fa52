using Sleeper.Core.Jobs;

namespace Sleeper.Ingest.Tests;

/// <summary>
/// A real queue with hooks where a worker's life can be cut short: deletes that never happen (the worker died
/// first), and something that happens just before the worker renews its claim (another worker takes over).
/// </summary>
public sealed class InterceptingQueue(IJobQueue inner) : IJobQueue
{
    /// <summary>Deletes are dropped, as when the worker dies just before it deletes the message.</summary>
    public bool DropDeletes { get; set; }

    public Func<QueuedMessage, Task>? BeforeExtend { get; set; }

    /// <summary>
    /// Renewals report success whatever the queue says: as when a queue delivers one message twice (SQS can, now
    /// and then), and two workers each believe they hold the job.
    /// </summary>
    public bool PretendRenewed { get; set; }

    private int _extensions;

    /// <summary>How many visibility extensions succeeded.</summary>
    public int Extensions => Volatile.Read(ref _extensions);

    public string Name => inner.Name;

    public Task<string> SendAsync(string body, CancellationToken cancellationToken = default) => inner.SendAsync(body, cancellationToken);

    public Task<QueuedMessage?> ReceiveAsync(TimeSpan visibilityTimeout, CancellationToken cancellationToken = default) =>
        inner.ReceiveAsync(visibilityTimeout, cancellationToken);

    public Task<bool> DeleteAsync(QueuedMessage message, CancellationToken cancellationToken = default) =>
        DropDeletes ? Task.FromResult(true) : inner.DeleteAsync(message, cancellationToken);

    public Task ReleaseAsync(QueuedMessage message, CancellationToken cancellationToken = default) => inner.ReleaseAsync(message, cancellationToken);

    public async Task<bool> ExtendVisibilityAsync(QueuedMessage message, TimeSpan visibilityTimeout, CancellationToken cancellationToken = default)
    {
        if (BeforeExtend is { } hook)
        {
            await hook(message);
        }
        var extended = await inner.ExtendVisibilityAsync(message, visibilityTimeout, cancellationToken);
        if (extended)
        {
            Interlocked.Increment(ref _extensions);
        }
        return extended || PretendRenewed;
    }

    public Task<IReadOnlyList<QueuedMessage>> GetDeadLettersAsync(CancellationToken cancellationToken = default) => inner.GetDeadLettersAsync(cancellationToken);

    public Task<QueueDepth> GetDepthAsync(CancellationToken cancellationToken = default) => inner.GetDepthAsync(cancellationToken);


    public Task<string?> RedriveAsync(string messageId, string? body = null, CancellationToken cancellationToken = default) => inner.RedriveAsync(messageId, body, cancellationToken);
}
