using Microsoft.Extensions.Time.Testing;
using Sleeper.Core.Jobs;

namespace Sleeper.Jobs.Tests;

/// <summary>
/// What only the file queue does (its folders survive the process). The port's semantics, which every queue
/// shares, are <see cref="TestSupport.Contracts.JobQueueContract"/>, run on the file queue by FileJobQueueContractTest.
/// </summary>
public sealed class FileJobQueueTest : IDisposable
{
    private static readonly TimeSpan Visibility = TimeSpan.FromMinutes(1);

    private readonly TempFolder _dir = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2025, 1, 2, 3, 4, 5, TimeSpan.Zero));

    public void Dispose() => _dir.Dispose();

    private FileJobQueue NewQueue(int maxReceiveCount = FileJobQueue.DefaultMaxReceiveCount) =>
        FileJobQueue.InInstance(_dir.Path, "compaction", maxReceiveCount, _time);

    [Fact]
    public async Task A_received_message_is_hidden_until_its_timeout_then_comes_back_with_the_next_receive_count()
    {
        var queue = NewQueue();
        await queue.SendAsync("a");
        var first = await queue.ReceiveAsync(Visibility);

        _time.Advance(Visibility - TimeSpan.FromSeconds(1));
        Assert.Null(await queue.ReceiveAsync(Visibility));
        _time.Advance(TimeSpan.FromSeconds(1));
        var second = await queue.ReceiveAsync(Visibility);

        Assert.NotNull(second);
        Assert.Equal(first!.MessageId, second.MessageId);
        Assert.Equal(2, second.ReceiveCount);
        Assert.NotEqual(first.ReceiptHandle, second.ReceiptHandle);
    }

    [Fact]
    public async Task A_fresh_queue_over_the_same_folder_sees_the_messages_the_claims_and_the_dead_letters()
    {
        var queue = NewQueue(maxReceiveCount: 1);
        var dead = await queue.SendAsync("dead");
        var held = await queue.SendAsync("held");
        var waiting = await queue.SendAsync("waiting");
        await queue.ReceiveAsync(Visibility);
        _time.Advance(Visibility);
        var holding = await queue.ReceiveAsync(Visibility);
        Assert.Equal(held, holding!.MessageId);

        var reopened = NewQueue(maxReceiveCount: 1);

        Assert.Equal(new QueueDepth(1, 1, 1), await reopened.GetDepthAsync());
        Assert.Equal(dead, Assert.Single(await reopened.GetDeadLettersAsync()).MessageId);
        Assert.True(await reopened.DeleteAsync(holding));
        var next = await reopened.ReceiveAsync(Visibility);
        Assert.Equal((waiting, "waiting", 1), (next!.MessageId, next.Body, next.ReceiveCount));
    }

}
