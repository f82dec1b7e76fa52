using Microsoft.Extensions.Time.Testing;
using Sleeper.Core.Jobs;

namespace Sleeper.Jobs.Tests;

/// <summary>A worker sees when it has lost its claim on a job, and cannot hold a lost job for its commit.</summary>
public sealed class VisibilityExtenderTest : IDisposable
{
    private static readonly TimeSpan Visibility = TimeSpan.FromMinutes(1);

    private readonly TempFolder _dir = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2025, 1, 2, 3, 4, 5, TimeSpan.Zero));

    public void Dispose() => _dir.Dispose();

    private async Task<(FileJobQueue Queue, QueuedMessage Message)> ReceivedAsync()
    {
        var queue = FileJobQueue.InInstance(_dir.Path, "ingest", timeProvider: _time);
        await queue.SendAsync("{\"job\":1}");
        return (queue, (await queue.ReceiveAsync(Visibility))!);
    }

    [Fact]
    public async Task A_claim_still_held_is_renewed_for_the_commit_and_nobody_else_can_take_the_job()
    {
        var (queue, message) = await ReceivedAsync();
        await using var extender = VisibilityExtender.Start(queue, message, Visibility, _time);

        await extender.HoldForCommitAsync(CancellationToken.None);

        Assert.False(extender.ClaimLost);
        Assert.False(extender.ClaimLostToken.IsCancellationRequested);
        Assert.Null(await queue.ReceiveAsync(Visibility));
    }

    [Fact]
    public async Task A_claim_another_worker_took_cannot_be_held_for_the_commit()
    {
        var (queue, message) = await ReceivedAsync();
        var stalled = new StallingJobQueue(queue);
        await using var extender = VisibilityExtender.Start(stalled, message, Visibility, _time);
        _time.Advance(Visibility * 2);
        Assert.NotNull(await queue.ReceiveAsync(Visibility));
        stalled.WakeUp();

        var e = await Assert.ThrowsAsync<ClaimLostException>(() => extender.HoldForCommitAsync(CancellationToken.None));

        Assert.Contains(message.MessageId, e.Message, StringComparison.Ordinal);
        Assert.True(extender.ClaimLost);
        Assert.True(extender.ClaimLostToken.IsCancellationRequested);
    }

    [Fact]
    public async Task A_periodic_extension_that_finds_the_claim_gone_cancels_the_work_at_once()
    {
        var (queue, message) = await ReceivedAsync();
        var stalled = new StallingJobQueue(queue);
        await using var extender = VisibilityExtender.Start(stalled, message, Visibility, _time);
        var lost = new TaskCompletionSource();
        using var registration = extender.ClaimLostToken.Register(() => lost.TrySetResult());

        // The worker stalls: its extension hangs while its claim runs out and another worker takes the job.
        _time.Advance(Visibility * 2);
        Assert.NotNull(await queue.ReceiveAsync(Visibility));
        stalled.WakeUp();
        await lost.Task.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.True(extender.ClaimLost);
    }
}
