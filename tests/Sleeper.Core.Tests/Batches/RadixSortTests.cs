using CsCheck;
using Sleeper.Core.Batches;

namespace Sleeper.Core.Tests.Batches;

public class RadixSortTests
{
    /// <summary>Keys that vary in every byte, in a few bytes only, or hardly at all, at the edges of the range too.</summary>
    private static readonly Gen<Func<Random, ulong>> s_keys = Gen.OneOf(
        Gen.Const<Func<Random, ulong>>(r => (ulong)r.NextInt64() ^ ((ulong)(uint)r.Next(2) << 63)),
        Gen.Const<Func<Random, ulong>>(r => (ulong)r.Next(5)),
        Gen.Const<Func<Random, ulong>>(r => 0x6162630000000000UL | ((ulong)(uint)r.Next(36) << 16) | (uint)r.Next(3)),
        Gen.Const<Func<Random, ulong>>(r => r.Next(3) switch { 0 => 0UL, 1 => ulong.MaxValue, _ => (ulong)r.NextInt64() }),
        Gen.Const<Func<Random, ulong>>(_ => 42UL));

    [Fact]
    public void Sorts_like_a_stable_sort_of_the_keys_moving_each_item_with_its_key()
    {
        Gen.Select(Gen.Int, Gen.OneOf(Gen.Int[0, 40], Gen.Int[RadixSort.MinimumLength - 5, RadixSort.MinimumLength + 5], Gen.Int[3000, 40_000]), s_keys)
            .Sample((seed, length, keyOf) =>
            {
                var random = new Random(seed);
                var keys = new ulong[length];
                for (var i = 0; i < length; i++)
                {
                    keys[i] = keyOf(random);
                }
                var items = Enumerable.Range(0, length).Select(i => (i * 7919) % Math.Max(1, length)).ToArray();
                var expected = keys.Zip(items).OrderBy(p => p.First).ToArray();

                RadixSort.Sort(keys, items);

                Assert.Equal(expected.Select(p => p.First), keys);
                Assert.Equal(expected.Select(p => p.Second), items);
            }, iter: 200);
    }

    [Fact]
    public void Keys_and_items_of_different_lengths_are_refused()
    {
        var error = Assert.Throws<ArgumentException>(() => RadixSort.Sort(new ulong[3], new int[2]));
        Assert.Contains("3 keys but 2 items", error.Message, StringComparison.Ordinal);
    }
}
