namespace Sleeper.Core.Jobs;

/// <summary>A message taken from a queue; it stays invisible to others until deleted, released or its timeout passes.</summary>
public sealed record QueuedMessage(string MessageId, string Body, int ReceiveCount, string ReceiptHandle, DateTimeOffset SentTime);

/// <summary>How many messages a queue holds, by state.</summary>
public sealed record QueueDepth(int Visible, int InFlight, int DeadLetters);

/// <summary>
/// A durable job queue with at-least-once delivery, as SQS gives: a received message is hidden for a
/// visibility timeout and comes back if it is not deleted in time (its consumer died); after
/// <c>maxReceiveCount</c> receipts it moves to the dead-letter list instead. The embedded queue, SQS and
/// PostgreSQL queues implement it.
/// </summary>
/// <remarks>
/// The move to the dead letters is silent, as SQS makes it: there the server moves a message by the queue's redrive
/// policy, and no receiving process is ever told. So nothing here reports a dead letter to its owner; whoever must
/// act on one (release a compaction job's files, record that the job failed for good) finds it in
/// <see cref="GetDeadLettersAsync"/>, with <see cref="DeadLetterSweep"/>.
/// </remarks>
public interface IJobQueue
{
    string Name { get; }

    /// <summary>Enqueues a message; returns its id.</summary>
    Task<string> SendAsync(string body, CancellationToken cancellationToken = default);

    /// <summary>
    /// Takes the next visible message and hides it for <paramref name="visibilityTimeout"/>, or returns null
    /// when none is visible. A visible message already received <c>maxReceiveCount</c> times is moved to the dead
    /// letters on the way, silently, and the next visible message is returned instead.
    /// </summary>
    Task<QueuedMessage?> ReceiveAsync(TimeSpan visibilityTimeout, CancellationToken cancellationToken = default);

    /// <summary>The message was handled: remove it for good. False if the receipt is stale (it timed out and went to someone else).</summary>
    Task<bool> DeleteAsync(QueuedMessage message, CancellationToken cancellationToken = default);

    /// <summary>Hand the message back at once, visible again (a failed attempt).</summary>
    Task ReleaseAsync(QueuedMessage message, CancellationToken cancellationToken = default);

    /// <summary>Extends the time a received message stays hidden, for long jobs.</summary>
    Task<bool> ExtendVisibilityAsync(QueuedMessage message, TimeSpan visibilityTimeout, CancellationToken cancellationToken = default);

    /// <summary>The messages moved to the dead letters, in the order they were sent, with the receive count each had reached; they stay until removed by hand.</summary>
    Task<IReadOnlyList<QueuedMessage>> GetDeadLettersAsync(CancellationToken cancellationToken = default);

    Task<QueueDepth> GetDepthAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Sends a dead letter back to the queue (SQS's redrive): it leaves the dead letters and comes back as a new
    /// message, with a new id, visible at once, its receive count back at 0, and its own body or
    /// <paramref name="body"/> in its place (a retried job may need a new job id). Of several redrives of one letter
    /// at once, one wins; the others find no letter.
    /// </summary>
    /// <returns>The new message's id, or null when the queue holds no dead letter with that id.</returns>
    Task<string?> RedriveAsync(string messageId, string? body = null, CancellationToken cancellationToken = default);
}
