using Microsoft.Extensions.Time.Testing;

namespace Sleeper.Jobs.Tests;

/// <summary>
/// At the moment a claim expires, its holder and a new receiver may act at once; the claim chain must let
/// exactly one of them have the message.
/// </summary>
public sealed class ExpiryRaceTest : IDisposable
{
    private const int Rounds = 15;
    private static readonly TimeSpan Visibility = TimeSpan.FromMinutes(1);

    private readonly TempFolder _dir = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2025, 1, 2, 3, 4, 5, TimeSpan.Zero));

    public void Dispose() => _dir.Dispose();

    private FileJobQueue NewQueue() => new(_dir.Combine("queue"), maxReceiveCount: 100, timeProvider: _time);

    [Fact]
    public async Task When_a_holder_extends_as_a_receiver_takes_over_exactly_one_of_them_wins()
    {
        var holder = NewQueue();
        var receiver = NewQueue();
        for (var round = 0; round < Rounds; round++)
        {
            await holder.SendAsync($"round {round}");
            var held = await holder.ReceiveAsync(Visibility);
            _time.Advance(Visibility);
            var start = new Barrier(2);

            var extend = Task.Run(() => { start.SignalAndWait(); return holder.ExtendVisibilityAsync(held!, Visibility); });
            var receive = Task.Run(() => { start.SignalAndWait(); return receiver.ReceiveAsync(Visibility); });
            var (extended, taken) = (await extend, await receive);

            Assert.True(extended ^ taken is not null, $"Round {round}: extended {extended}, taken {taken is not null}.");
            Assert.True(await (extended ? holder.DeleteAsync(held!) : receiver.DeleteAsync(taken!)));
            Assert.False(await holder.DeleteAsync(held!));
        }
    }

    [Fact]
    public async Task When_a_holder_deletes_as_a_receiver_takes_over_the_message_is_either_deleted_or_delivered_never_both()
    {
        var holder = NewQueue();
        var receiver = NewQueue();
        for (var round = 0; round < Rounds; round++)
        {
            await holder.SendAsync($"round {round}");
            var held = await holder.ReceiveAsync(Visibility);
            _time.Advance(Visibility);
            var start = new Barrier(2);

            var delete = Task.Run(() => { start.SignalAndWait(); return holder.DeleteAsync(held!); });
            var receive = Task.Run(() => { start.SignalAndWait(); return receiver.ReceiveAsync(Visibility); });
            var (deleted, taken) = (await delete, await receive);

            Assert.True(deleted ^ taken is not null, $"Round {round}: deleted {deleted}, taken {taken is not null}.");
            if (taken is not null)
            {
                Assert.True(await receiver.DeleteAsync(taken));
            }
            Assert.Equal(new Core.Jobs.QueueDepth(0, 0, 0), await receiver.GetDepthAsync());
        }
    }
}
