using Microsoft.Extensions.Time.Testing;
using Sleeper.Core.Jobs;

namespace Sleeper.Jobs.Tests;

public sealed class FileJobQueueTest : IDisposable
{
    private static readonly TimeSpan Visibility = TimeSpan.FromMinutes(1);

    private readonly TempFolder _dir = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2025, 1, 2, 3, 4, 5, TimeSpan.Zero));

    public void Dispose() => _dir.Dispose();

    private FileJobQueue NewQueue(int maxReceiveCount = FileJobQueue.DefaultMaxReceiveCount) =>
        FileJobQueue.InInstance(_dir.Path, "compaction", maxReceiveCount, _time);

    [Fact]
    public async Task A_sent_message_is_received_with_its_body_and_once_deleted_is_gone_for_good()
    {
        var queue = NewQueue();
        var id = await queue.SendAsync("{\"job\":1}");

        var message = await queue.ReceiveAsync(Visibility);

        Assert.NotNull(message);
        Assert.Equal(id, message.MessageId);
        Assert.Equal("{\"job\":1}", message.Body);
        Assert.Equal(1, message.ReceiveCount);
        Assert.Equal(_time.GetUtcNow(), message.SentTime);
        Assert.Equal("compaction", queue.Name);
        Assert.True(await queue.DeleteAsync(message));
        _time.Advance(Visibility * 2);
        Assert.Null(await queue.ReceiveAsync(Visibility));
        Assert.Equal(new QueueDepth(0, 0, 0), await queue.GetDepthAsync());
        Assert.Empty(Directory.EnumerateFiles(queue.Directory, "*", SearchOption.AllDirectories));
    }

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
    public async Task Deleting_with_a_stale_receipt_returns_false_and_keeps_the_message_for_its_new_holder()
    {
        var queue = NewQueue();
        await queue.SendAsync("a");
        var stale = await queue.ReceiveAsync(Visibility);
        _time.Advance(Visibility);
        var current = await NewQueue().ReceiveAsync(Visibility);

        Assert.False(await queue.DeleteAsync(stale!));
        Assert.Equal(new QueueDepth(0, 1, 0), await queue.GetDepthAsync());
        Assert.True(await queue.DeleteAsync(current!));
        Assert.False(await queue.DeleteAsync(current!));
        Assert.Equal(new QueueDepth(0, 0, 0), await queue.GetDepthAsync());
    }

    [Fact]
    public async Task A_holder_whose_timeout_passed_unnoticed_can_still_delete_it()
    {
        var queue = NewQueue();
        await queue.SendAsync("a");
        var message = await queue.ReceiveAsync(Visibility);
        _time.Advance(Visibility * 3);

        Assert.True(await queue.DeleteAsync(message!));
        Assert.Null(await queue.ReceiveAsync(Visibility));
    }

    [Fact]
    public async Task After_max_receive_count_receipts_a_message_goes_to_the_dead_letters_and_the_callback_runs_once()
    {
        var queue = NewQueue(maxReceiveCount: 2);
        var id = await queue.SendAsync("doomed");
        var reported = new List<QueuedMessage>();
        Task OnDeadLetter(QueuedMessage m)
        {
            reported.Add(m);
            return Task.CompletedTask;
        }

        Assert.Equal(1, (await queue.ReceiveAsync(Visibility, OnDeadLetter))!.ReceiveCount);
        _time.Advance(Visibility);
        Assert.Equal(2, (await queue.ReceiveAsync(Visibility, OnDeadLetter))!.ReceiveCount);
        _time.Advance(Visibility);
        Assert.Null(await queue.ReceiveAsync(Visibility, OnDeadLetter));
        _time.Advance(Visibility * 10);
        Assert.Null(await queue.ReceiveAsync(Visibility, OnDeadLetter));
        Assert.Null(await NewQueue(maxReceiveCount: 2).ReceiveAsync(Visibility, OnDeadLetter));

        var letter = Assert.Single(reported);
        Assert.Equal((id, "doomed", 2), (letter.MessageId, letter.Body, letter.ReceiveCount));
        var dead = Assert.Single(await queue.GetDeadLettersAsync());
        Assert.Equal((id, "doomed", 2), (dead.MessageId, dead.Body, dead.ReceiveCount));
        Assert.Equal(new QueueDepth(0, 0, 1), await queue.GetDepthAsync());
    }

    [Fact]
    public async Task A_dead_letter_is_skipped_and_the_next_visible_message_returned_in_the_same_receive()
    {
        var queue = NewQueue(maxReceiveCount: 1);
        var doomed = await queue.SendAsync("doomed");
        _time.Advance(TimeSpan.FromSeconds(1));
        var healthy = await queue.SendAsync("healthy");
        var first = await queue.ReceiveAsync(Visibility);
        Assert.Equal(doomed, first!.MessageId);
        _time.Advance(Visibility);

        var reported = new List<string>();
        var next = await queue.ReceiveAsync(Visibility, m => { reported.Add(m.MessageId); return Task.CompletedTask; });

        Assert.Equal(healthy, next!.MessageId);
        Assert.Equal([doomed], reported);
    }

    [Fact]
    public async Task Of_receivers_racing_to_dead_letter_one_message_only_one_reports_it()
    {
        await NewQueue(maxReceiveCount: 1).SendAsync("doomed");
        await NewQueue(maxReceiveCount: 1).ReceiveAsync(Visibility);
        _time.Advance(Visibility);
        var reports = 0;
        var queues = Enumerable.Range(0, 8).Select(_ => NewQueue(maxReceiveCount: 1)).ToArray();
        var start = new Barrier(queues.Length);

        await Task.WhenAll(queues.Select(q => Task.Run(async () =>
        {
            start.SignalAndWait();
            Assert.Null(await q.ReceiveAsync(Visibility, _ => { Interlocked.Increment(ref reports); return Task.CompletedTask; }));
        })));

        Assert.Equal(1, reports);
        Assert.Single(await queues[0].GetDeadLettersAsync());
    }

    [Fact]
    public async Task A_released_message_is_visible_again_at_once()
    {
        var queue = NewQueue();
        await queue.SendAsync("a");
        var first = await queue.ReceiveAsync(Visibility);

        await queue.ReleaseAsync(first!);
        var again = await queue.ReceiveAsync(Visibility);

        Assert.Equal(first!.MessageId, again!.MessageId);
        Assert.Equal(2, again.ReceiveCount);
        Assert.False(await queue.DeleteAsync(first));
        Assert.True(await queue.DeleteAsync(again));
    }

    [Fact]
    public async Task Releasing_or_extending_with_a_stale_receipt_leaves_the_new_holder_alone()
    {
        var queue = NewQueue();
        await queue.SendAsync("a");
        var stale = await queue.ReceiveAsync(Visibility);
        _time.Advance(Visibility);
        var current = await queue.ReceiveAsync(Visibility);

        await queue.ReleaseAsync(stale!);
        Assert.False(await queue.ExtendVisibilityAsync(stale!, Visibility * 10));

        Assert.Null(await queue.ReceiveAsync(Visibility));
        Assert.True(await queue.DeleteAsync(current!));
    }

    [Fact]
    public async Task An_extended_message_stays_hidden_past_its_first_timeout_until_the_extension_ends()
    {
        var queue = NewQueue();
        await queue.SendAsync("long job");
        var message = await queue.ReceiveAsync(Visibility);

        _time.Advance(Visibility / 2);
        Assert.True(await queue.ExtendVisibilityAsync(message!, Visibility));
        _time.Advance(Visibility / 2);
        Assert.True(await queue.ExtendVisibilityAsync(message!, Visibility));
        _time.Advance(Visibility - TimeSpan.FromSeconds(1));
        Assert.Null(await queue.ReceiveAsync(Visibility));
        _time.Advance(TimeSpan.FromSeconds(1));
        var again = await queue.ReceiveAsync(Visibility);

        Assert.Equal(2, again!.ReceiveCount);
        Assert.False(await queue.ExtendVisibilityAsync(message!, Visibility));
        Assert.False(await queue.DeleteAsync(message!));
    }

    [Fact]
    public async Task A_holder_can_delete_after_extending_with_the_receipt_it_was_first_given()
    {
        var queue = NewQueue();
        await queue.SendAsync("a");
        var message = await queue.ReceiveAsync(Visibility);
        Assert.True(await queue.ExtendVisibilityAsync(message!, Visibility));

        Assert.True(await queue.DeleteAsync(message!));
        Assert.Equal(new QueueDepth(0, 0, 0), await queue.GetDepthAsync());
    }

    [Fact]
    public async Task Depth_counts_visible_in_flight_and_dead_messages()
    {
        var queue = NewQueue(maxReceiveCount: 1);
        for (var i = 0; i < 5; i++)
        {
            await queue.SendAsync($"m{i}");
        }
        Assert.Equal(new QueueDepth(5, 0, 0), await queue.GetDepthAsync());

        var held = await queue.ReceiveAsync(Visibility);
        await queue.ReceiveAsync(Visibility * 2);
        Assert.Equal(new QueueDepth(3, 2, 0), await queue.GetDepthAsync());

        _time.Advance(Visibility);
        Assert.Equal(new QueueDepth(4, 1, 0), await queue.GetDepthAsync());
        await queue.ReceiveAsync(Visibility);
        Assert.Equal(new QueueDepth(2, 2, 1), await queue.GetDepthAsync());
        Assert.False(await queue.DeleteAsync(held!));
    }

    [Fact]
    public async Task Messages_come_out_in_the_order_they_were_sent()
    {
        var queue = NewQueue();
        var ids = new List<string>();
        for (var i = 0; i < 10; i++)
        {
            ids.Add(await queue.SendAsync($"m{i}"));
            if (i % 3 == 0)
            {
                _time.Advance(TimeSpan.FromMilliseconds(1));
            }
        }

        var received = new List<string>();
        while (await queue.ReceiveAsync(Visibility) is { } m)
        {
            received.Add(m.MessageId);
        }

        Assert.Equal(ids, received);
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

    [Fact]
    public async Task A_receipt_that_is_not_one_of_this_queue_is_stale()
    {
        var queue = NewQueue();
        var id = await queue.SendAsync("a");
        await queue.ReceiveAsync(Visibility);

        foreach (var handle in new[] { "", "x", "1.", "0.abc", "1.abc", "99.abc" })
        {
            Assert.False(await queue.DeleteAsync(new QueuedMessage(id, "a", 1, handle, _time.GetUtcNow())));
        }
        Assert.False(await queue.DeleteAsync(new QueuedMessage("../" + id, "a", 1, "1.abc", _time.GetUtcNow())));
        Assert.Equal(new QueueDepth(0, 1, 0), await queue.GetDepthAsync());
    }
}
