using Microsoft.Extensions.Time.Testing;
using Sleeper.Core.Jobs;
using Sleeper.Jobs.LocalQueue;
using Sleeper.StateStore.LocalFiles;

namespace Sleeper.Jobs.Tests;

/// <summary>A process can die between any two steps; these tests leave the files as such a death would.</summary>
public sealed class RecoveryTest : IDisposable
{
    private static readonly TimeSpan Visibility = TimeSpan.FromMinutes(1);

    private readonly TempFolder _dir = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2025, 1, 2, 3, 4, 5, TimeSpan.Zero));

    public void Dispose() => _dir.Dispose();

    private FileJobQueue NewQueue(int maxReceiveCount = FileJobQueue.DefaultMaxReceiveCount) =>
        new(_dir.Combine("queue"), maxReceiveCount, _time);

    private Task AppendClaimAsDeadProcessAsync(string id, long link, Claim claim)
    {
        var layout = new QueueLayout(_dir.Combine("queue"));
        return AtomicFiles.TryCreateAsync(layout.ClaimPath(id, link), claim.ToBytes(), CancellationToken.None);
    }

    [Fact]
    public async Task A_message_whose_deleter_died_after_marking_it_is_never_delivered_again_and_is_cleared()
    {
        var queue = NewQueue();
        var id = await queue.SendAsync("a");
        var message = await queue.ReceiveAsync(Visibility);
        await AppendClaimAsDeadProcessAsync(id, 2, new Claim(ClaimKind.Deleted, 1, "dead deleter", DateTimeOffset.MaxValue));
        _time.Advance(Visibility * 2);

        Assert.Equal(new QueueDepth(0, 0, 0), await queue.GetDepthAsync());
        Assert.Null(await NewQueue().ReceiveAsync(Visibility));
        Assert.False(await queue.DeleteAsync(message!));
        Assert.Empty(Directory.EnumerateFiles(queue.Directory, "*", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task A_move_to_the_dead_letters_interrupted_by_a_death_is_redone_once_its_lease_ends()
    {
        var queue = NewQueue(maxReceiveCount: 1);
        var id = await queue.SendAsync("doomed");
        await queue.ReceiveAsync(Visibility);
        _time.Advance(Visibility);
        await AppendClaimAsDeadProcessAsync(id, 2, new Claim(ClaimKind.DeadLettering, 1, "dead receiver", _time.GetUtcNow() + Visibility));

        Assert.Null(await queue.ReceiveAsync(Visibility));
        Assert.Empty(await queue.GetDeadLettersAsync());
        Assert.Equal(new QueueDepth(0, 1, 0), await queue.GetDepthAsync());
        _time.Advance(Visibility);
        Assert.Null(await queue.ReceiveAsync(Visibility));

        var dead = Assert.Single(await queue.GetDeadLettersAsync());
        Assert.Equal((id, "doomed", 1), (dead.MessageId, dead.Body, dead.ReceiveCount));
        Assert.Equal(new QueueDepth(0, 0, 1), await queue.GetDepthAsync());
        Assert.Empty(Directory.EnumerateFiles(new QueueLayout(queue.Directory).ClaimsDirectory));
    }

    [Fact]
    public async Task A_mover_that_died_after_writing_the_dead_letter_leaves_one_dead_letter_and_its_message_is_cleared_after_the_lease()
    {
        var queue = NewQueue(maxReceiveCount: 1);
        var id = await queue.SendAsync("doomed");
        await queue.ReceiveAsync(Visibility);
        _time.Advance(Visibility);
        await AppendClaimAsDeadProcessAsync(id, 2, new Claim(ClaimKind.DeadLettering, 1, "dead receiver", _time.GetUtcNow() + Visibility));
        var layout = new QueueLayout(queue.Directory);
        await AtomicFiles.ReplaceAsync(layout.DeadLetterPath(id), new StoredMessage(id, "doomed", _time.GetUtcNow() - Visibility, 1).ToBytes(), CancellationToken.None);

        // Counted once, as dead, from the moment the letter exists.
        Assert.Equal(new QueueDepth(0, 0, 1), await queue.GetDepthAsync());
        Assert.Equal(id, Assert.Single(await queue.GetDeadLettersAsync()).MessageId);
        _time.Advance(Visibility);
        Assert.Null(await queue.ReceiveAsync(Visibility));

        Assert.Equal(id, Assert.Single(await queue.GetDeadLettersAsync()).MessageId);
        Assert.Empty(Directory.EnumerateFiles(layout.MessagesDirectory));
        Assert.Empty(Directory.EnumerateFiles(layout.ClaimsDirectory));
    }

    [Fact]
    public async Task Claims_left_behind_by_a_message_removed_mid_way_are_cleared_by_the_next_receive()
    {
        var queue = NewQueue();
        var id = await queue.SendAsync("a");
        await queue.ReceiveAsync(Visibility);
        // As if the deleter died after removing the message file but before its claims.
        File.Delete(new QueueLayout(queue.Directory).MessagePath(id));

        Assert.Null(await queue.ReceiveAsync(Visibility));
        Assert.Empty(Directory.EnumerateFiles(queue.Directory, "*", SearchOption.AllDirectories));
    }
}
