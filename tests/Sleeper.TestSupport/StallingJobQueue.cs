using Sleeper.Core.Jobs;

namespace Sleeper.TestSupport;

/// <summary>
/// A real queue whose claim renewals hang until <see cref="WakeUp"/>, as a stalled process's would: so the claim a
/// stalled worker holds runs out, for sure, before it renews it, and another worker can take its job meanwhile.
/// </summary>
public sealed class StallingJobQueue(IJobQueue inner) : IJobQueue
{
    private readonly TaskCompletionSource _awake = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void WakeUp() => _awake.TrySetResult();

    public string Name => inner.Name;

    public Task<string> SendAsync(string body, CancellationToken cancellationToken = default) => inner.SendAsync(body, cancellationToken);

    public Task<QueuedMessage?> ReceiveAsync(TimeSpan visibilityTimeout, CancellationToken cancellationToken = default) =>
        inner.ReceiveAsync(visibilityTimeout, cancellationToken);

    public Task<bool> DeleteAsync(QueuedMessage message, CancellationToken cancellationToken = default) => inner.DeleteAsync(message, cancellationToken);

    public Task ReleaseAsync(QueuedMessage message, CancellationToken cancellationToken = default) => inner.ReleaseAsync(message, cancellationToken);

    public async Task<bool> ExtendVisibilityAsync(QueuedMessage message, TimeSpan visibilityTimeout, CancellationToken cancellationToken = default)
    {
        await _awake.Task.WaitAsync(cancellationToken);
        return await inner.ExtendVisibilityAsync(message, visibilityTimeout, cancellationToken);
    }

    public Task<IReadOnlyList<QueuedMessage>> GetDeadLettersAsync(CancellationToken cancellationToken = default) => inner.GetDeadLettersAsync(cancellationToken);

    public Task<QueueDepth> GetDepthAsync(CancellationToken cancellationToken = default) => inner.GetDepthAsync(cancellationToken);


    public Task<string?> RedriveAsync(string messageId, string? body = null, CancellationToken cancellationToken = default) => inner.RedriveAsync(messageId, body, cancellationToken);
}
