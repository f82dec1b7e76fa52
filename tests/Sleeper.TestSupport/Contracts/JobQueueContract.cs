using System.Collections.Concurrent;
using Microsoft.Extensions.Time.Testing;
using Sleeper.Core.Jobs;
using Xunit;

namespace Sleeper.TestSupport.Contracts;

/// <summary>
/// What every <see cref="IJobQueue"/> backend must do, run against each by a small subclass in the backend's own
/// test project: at-least-once delivery with a visibility timeout, receive counts, dead letters after too many
/// receipts (moved silently, as SQS's redrive policy does, and found only by listing them), receipts that go stale
/// when a message passes to another holder, and consumers that never both hold one message.
/// </summary>
public abstract class JobQueueContract
{
    protected static readonly TimeSpan Visibility = TimeSpan.FromMinutes(1);

    protected FakeTimeProvider Time { get; } = new(new DateTimeOffset(2025, 1, 2, 3, 4, 5, TimeSpan.Zero));

    /// <summary>
    /// The queue called <paramref name="name"/>, reading the clock <paramref name="time"/>. Two calls with the same
    /// name reach the same stored queue through a new object, as another process would.
    /// </summary>
    protected abstract IJobQueue OpenQueue(string name, int maxReceiveCount, TimeProvider time);

    private IJobQueue NewQueue(int maxReceiveCount = 3, string name = "compaction") => OpenQueue(name, maxReceiveCount, Time);

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
        Assert.Equal(Time.GetUtcNow(), message.SentTime);
        Assert.Equal("compaction", queue.Name);
        Assert.True(await queue.DeleteAsync(message));
        Time.Advance(Visibility * 2);
        Assert.Null(await queue.ReceiveAsync(Visibility));
        Assert.Equal(new QueueDepth(0, 0, 0), await queue.GetDepthAsync());
    }

    [Fact]
    public async Task An_empty_queue_receives_nothing()
    {
        Assert.Null(await NewQueue().ReceiveAsync(Visibility));
        Assert.Equal(new QueueDepth(0, 0, 0), await NewQueue().GetDepthAsync());
        Assert.Empty(await NewQueue().GetDeadLettersAsync());
    }

    [Fact]
    public async Task Queues_of_different_names_are_independent()
    {
        await NewQueue(name: "a").SendAsync("for a");

        Assert.Null(await NewQueue(name: "b").ReceiveAsync(Visibility));
        Assert.Equal(new QueueDepth(0, 0, 0), await NewQueue(name: "b").GetDepthAsync());
        Assert.Equal("for a", (await NewQueue(name: "a").ReceiveAsync(Visibility))!.Body);
    }

    [Fact]
    public async Task A_received_message_is_hidden_until_its_timeout_then_comes_back_with_the_next_receive_count_and_a_new_receipt()
    {
        var queue = NewQueue();
        await queue.SendAsync("a");
        var first = await queue.ReceiveAsync(Visibility);

        Time.Advance(Visibility - TimeSpan.FromSeconds(1));
        Assert.Null(await queue.ReceiveAsync(Visibility));
        Time.Advance(TimeSpan.FromSeconds(1));
        var second = await NewQueue().ReceiveAsync(Visibility);

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
        Time.Advance(Visibility);
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
        Time.Advance(Visibility * 3);

        Assert.True(await queue.DeleteAsync(message!));
        Assert.Null(await queue.ReceiveAsync(Visibility));
    }

    [Fact]
    public async Task A_message_whose_holders_let_its_timeout_pass_max_receive_count_times_goes_to_the_dead_letters_silently_on_the_next_receive()
    {
        var queue = NewQueue(maxReceiveCount: 2);
        var id = await queue.SendAsync("doomed");

        Assert.Equal(1, (await queue.ReceiveAsync(Visibility))!.ReceiveCount);
        Time.Advance(Visibility);
        Assert.Equal(2, (await queue.ReceiveAsync(Visibility))!.ReceiveCount);
        Assert.Equal(new QueueDepth(0, 1, 0), await queue.GetDepthAsync());
        Assert.Empty(await queue.GetDeadLettersAsync());
        Time.Advance(Visibility);

        // As on SQS: the receive past the maximum returns nothing and tells nobody; the message is simply a dead letter now.
        Assert.Null(await queue.ReceiveAsync(Visibility));

        var dead = Assert.Single(await queue.GetDeadLettersAsync());
        Assert.Equal((id, "doomed", 2, Time.GetUtcNow() - 2 * Visibility), (dead.MessageId, dead.Body, dead.ReceiveCount, dead.SentTime));
        Assert.Equal(new QueueDepth(0, 0, 1), await queue.GetDepthAsync());
        Time.Advance(Visibility * 10);
        Assert.Null(await queue.ReceiveAsync(Visibility));
        Assert.Null(await NewQueue(maxReceiveCount: 2).ReceiveAsync(Visibility));
        Assert.Single(await NewQueue(maxReceiveCount: 2).GetDeadLettersAsync());
    }

    [Fact]
    public async Task A_message_released_after_each_of_max_receive_count_attempts_goes_to_the_dead_letters_on_the_next_receive()
    {
        var queue = NewQueue(maxReceiveCount: 3);
        var id = await queue.SendAsync("fails every time");
        for (var attempt = 1; attempt <= 3; attempt++)
        {
            var message = await queue.ReceiveAsync(Visibility);
            Assert.Equal(attempt, message!.ReceiveCount);
            await queue.ReleaseAsync(message);
        }

        Assert.Null(await queue.ReceiveAsync(Visibility));

        var dead = Assert.Single(await NewQueue(maxReceiveCount: 3).GetDeadLettersAsync());
        Assert.Equal((id, "fails every time", 3), (dead.MessageId, dead.Body, dead.ReceiveCount));
        Assert.Equal(new QueueDepth(0, 0, 1), await queue.GetDepthAsync());
    }

    [Fact]
    public async Task A_dead_letter_is_skipped_and_the_next_visible_message_returned_in_the_same_receive()
    {
        var queue = NewQueue(maxReceiveCount: 1);
        var doomed = await queue.SendAsync("doomed");
        Time.Advance(TimeSpan.FromSeconds(1));
        var healthy = await queue.SendAsync("healthy");
        var first = await queue.ReceiveAsync(Visibility);
        Assert.Equal(doomed, first!.MessageId);
        Time.Advance(Visibility);

        var next = await queue.ReceiveAsync(Visibility);

        Assert.Equal(healthy, next!.MessageId);
        Assert.Equal(doomed, Assert.Single(await queue.GetDeadLettersAsync()).MessageId);
        Assert.Equal(new QueueDepth(0, 1, 1), await queue.GetDepthAsync());
    }

    [Fact]
    public async Task Receivers_racing_past_the_maximum_for_one_message_leave_exactly_one_dead_letter_and_none_receives_it()
    {
        var id = await NewQueue(maxReceiveCount: 1).SendAsync("doomed");
        await NewQueue(maxReceiveCount: 1).ReceiveAsync(Visibility);
        Time.Advance(Visibility);
        var queues = Enumerable.Range(0, 8).Select(_ => NewQueue(maxReceiveCount: 1)).ToArray();
        var start = new Barrier(queues.Length);

        var received = await Task.WhenAll(queues.Select(q => Task.Run(async () =>
        {
            start.SignalAndWait();
            return await q.ReceiveAsync(Visibility);
        })));

        Assert.All(received, Assert.Null);
        Assert.Equal((id, 1), (Assert.Single(await queues[0].GetDeadLettersAsync()).MessageId, (await queues[0].GetDeadLettersAsync())[0].ReceiveCount));
        Assert.Equal(new QueueDepth(0, 0, 1), await queues[0].GetDepthAsync());
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
        Time.Advance(Visibility);
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

        Time.Advance(Visibility / 2);
        Assert.True(await queue.ExtendVisibilityAsync(message!, Visibility));
        Time.Advance(Visibility / 2);
        Assert.True(await queue.ExtendVisibilityAsync(message!, Visibility));
        Time.Advance(Visibility - TimeSpan.FromSeconds(1));
        Assert.Null(await queue.ReceiveAsync(Visibility));
        Time.Advance(TimeSpan.FromSeconds(1));
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

        Time.Advance(Visibility);
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
                Time.Advance(TimeSpan.FromMilliseconds(1));
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
    public async Task A_fresh_queue_object_sees_the_messages_the_holders_and_the_dead_letters()
    {
        var queue = NewQueue(maxReceiveCount: 1);
        var dead = await queue.SendAsync("dead");
        var held = await queue.SendAsync("held");
        var waiting = await queue.SendAsync("waiting");
        await queue.ReceiveAsync(Visibility);
        Time.Advance(Visibility);
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
            Assert.False(await queue.DeleteAsync(new QueuedMessage(id, "a", 1, handle, Time.GetUtcNow())));
            Assert.False(await queue.ExtendVisibilityAsync(new QueuedMessage(id, "a", 1, handle, Time.GetUtcNow()), Visibility));
        }
        Assert.False(await queue.DeleteAsync(new QueuedMessage("../" + id, "a", 1, "1.abc", Time.GetUtcNow())));
        Assert.Equal(new QueueDepth(0, 1, 0), await queue.GetDepthAsync());
    }

    [Fact]
    public async Task Consumers_on_several_threads_handle_each_of_200_messages_exactly_once()
    {
        var sent = new List<string>();
        var sender = NewQueue();
        for (var i = 0; i < 200; i++)
        {
            sent.Add(await sender.SendAsync($"job {i}"));
        }
        const int consumers = 6;
        var handled = new ConcurrentBag<string>();
        var staleDeletes = 0;
        var start = new Barrier(consumers);

        await Task.WhenAll(Enumerable.Range(0, consumers).Select(_ => Task.Run(async () =>
        {
            var queue = NewQueue();
            start.SignalAndWait();
            while (await queue.ReceiveAsync(Visibility) is { } message)
            {
                handled.Add(message.MessageId);
                if (!await queue.DeleteAsync(message))
                {
                    Interlocked.Increment(ref staleDeletes);
                }
            }
        })));

        Assert.Equal(sent.Order(StringComparer.Ordinal), handled.Order(StringComparer.Ordinal));
        Assert.Equal(0, staleDeletes);
        Assert.Equal(new QueueDepth(0, 0, 0), await sender.GetDepthAsync());
    }

    [Fact]
    public async Task Consumers_racing_for_expiring_messages_never_both_hold_one()
    {
        // With the clock moving while consumers race, a message passes from holder to holder as its timeouts pass.
        // Each receipt must be won by one consumer alone: receive counts 1, 2, 3, … each seen once, with new
        // receipts, and each receipt taken only after the one before it had timed out.
        var sender = NewQueue(maxReceiveCount: 1000);
        for (var i = 0; i < 30; i++)
        {
            await sender.SendAsync($"job {i}");
        }
        var holds = new ConcurrentBag<(string Id, int Count, string Receipt, DateTimeOffset Before, DateTimeOffset After)>();
        var visibility = TimeSpan.FromSeconds(5);
        const int consumers = 6;
        var start = new Barrier(consumers + 1);
        var ticker = Task.Run(async () =>
        {
            start.SignalAndWait();
            for (var i = 0; i < 40; i++)
            {
                await Task.Delay(5);
                Time.Advance(TimeSpan.FromSeconds(2));
            }
        });
        await Task.WhenAll(Enumerable.Range(0, consumers).Select(c => Task.Run(async () =>
        {
            var queue = NewQueue(maxReceiveCount: 1000);
            start.SignalAndWait();
            while (!ticker.IsCompleted)
            {
                var before = Time.GetUtcNow();
                if (await queue.ReceiveAsync(visibility) is { } m)
                {
                    holds.Add((m.MessageId, m.ReceiveCount, m.ReceiptHandle, before, Time.GetUtcNow()));
                }
            }
        })));
        await ticker;

        Assert.True(holds.Count > 30, $"Only {holds.Count} receipts: the consumers never raced for expired messages.");
        foreach (var group in holds.GroupBy(h => h.Id))
        {
            var ordered = group.OrderBy(h => h.Count).ToList();
            Assert.Equal(Enumerable.Range(1, ordered.Count), ordered.Select(h => h.Count));
            Assert.Equal(ordered.Count, ordered.Select(h => h.Receipt).Distinct().Count());
            for (var i = 1; i < ordered.Count; i++)
            {
                // Received no earlier than the last receipt's timeout: after >= receipt time >= previous receipt time + visibility >= previous before + visibility.
                Assert.True(ordered[i].After >= ordered[i - 1].Before + visibility, $"Message {group.Key} was received again while still held.");
            }
        }
    }

    /// <summary>Makes a dead letter of a new message: released after each of maxReceiveCount receipts, then one receive more.</summary>
    private async Task<string> DeadLetterAsync(IJobQueue queue, string body, int maxReceiveCount)
    {
        var id = await queue.SendAsync(body);
        for (var i = 0; i < maxReceiveCount; i++)
        {
            await queue.ReleaseAsync((await queue.ReceiveAsync(Visibility))!);
        }
        Assert.Null(await queue.ReceiveAsync(Visibility));
        Assert.Equal(id, Assert.Single(await queue.GetDeadLettersAsync()).MessageId);
        return id;
    }

    [Fact]
    public async Task A_redriven_dead_letter_comes_back_as_a_new_message_with_its_receive_count_reset_and_leaves_the_dead_letters()
    {
        var queue = NewQueue(maxReceiveCount: 2);
        var dead = await DeadLetterAsync(queue, "retry me", 2);
        Time.Advance(TimeSpan.FromMinutes(5));

        var newId = await NewQueue(maxReceiveCount: 2).RedriveAsync(dead);

        Assert.NotNull(newId);
        Assert.NotEqual(dead, newId);
        Assert.Empty(await queue.GetDeadLettersAsync());
        Assert.Equal(new QueueDepth(1, 0, 0), await queue.GetDepthAsync());
        var message = await queue.ReceiveAsync(Visibility);
        Assert.Equal((newId, "retry me", 1, Time.GetUtcNow()), (message!.MessageId, message.Body, message.ReceiveCount, message.SentTime));
        // It has its full count of receipts again before it can go back to the dead letters.
        await queue.ReleaseAsync(message);
        await queue.ReleaseAsync((await queue.ReceiveAsync(Visibility))!);
        Assert.Null(await queue.ReceiveAsync(Visibility));
        Assert.Equal(newId, Assert.Single(await queue.GetDeadLettersAsync()).MessageId);
    }

    [Fact]
    public async Task A_redrive_can_replace_the_body_and_redriving_twice_or_an_unknown_id_finds_nothing()
    {
        var queue = NewQueue(maxReceiveCount: 1);
        var dead = await DeadLetterAsync(queue, "old job", 1);

        var newId = await queue.RedriveAsync(dead, "new job");

        Assert.NotNull(newId);
        Assert.Null(await queue.RedriveAsync(dead, "again"));
        Assert.Null(await queue.RedriveAsync(newId!));
        Assert.Null(await queue.RedriveAsync("0000000000000000000-000000000000-00000000000000000000000000000000"));
        Assert.Equal(new QueueDepth(1, 0, 0), await queue.GetDepthAsync());
        Assert.Equal("new job", (await queue.ReceiveAsync(Visibility))!.Body);
    }

    [Fact]
    public async Task Redrives_racing_for_one_dead_letter_send_it_back_once()
    {
        var queue = NewQueue(maxReceiveCount: 1);
        var dead = await DeadLetterAsync(queue, "once", 1);

        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => NewQueue(maxReceiveCount: 1).RedriveAsync(dead))));

        Assert.Single(results, r => r is not null);
        Assert.Equal(new QueueDepth(1, 0, 0), await queue.GetDepthAsync());
        Assert.Empty(await queue.GetDeadLettersAsync());
    }
}
