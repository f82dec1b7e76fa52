namespace Sleeper.Core.Batches;

/// <summary>
/// Sorts unsigned 64-bit keys with an item each, least significant byte first (a stable LSD radix sort). One
/// pass counts every byte position at once; positions where all keys share a byte are skipped, so keys that
/// vary only in a few bytes (short strings from a small alphabet, values of one leaf partition) cost a few passes.
/// Several times faster than <see cref="System.Array.Sort{TKey, TValue}(TKey[], TValue[])"/> for the large
/// batches that ingest and bulk import sort.
/// </summary>
public static class RadixSort
{
    /// <summary>Below this many keys a (stable) comparison sort is as fast.</summary>
    public const int MinimumLength = 2048;

    private const int Digits = sizeof(ulong);
    private const int Buckets = 256;

    /// <summary>Sorts <paramref name="keys"/> ascending, moving <paramref name="items"/> with them. Equal keys keep their order.</summary>
    public static void Sort(ulong[] keys, int[] items)
    {
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentNullException.ThrowIfNull(items);
        if (keys.Length != items.Length)
        {
            throw new ArgumentException($"There are {keys.Length} keys but {items.Length} items.", nameof(items));
        }
        var count = keys.Length;
        if (count < MinimumLength)
        {
            // Stable, like the radix sort, so both paths give the same order.
            StableComparisonSort(keys, items);
            return;
        }

        var counts = new int[Digits * Buckets];
        foreach (var key in keys)
        {
            for (var d = 0; d < Digits; d++)
            {
                counts[(d * Buckets) + (int)((key >> (d * 8)) & 0xFF)]++;
            }
        }

        var sourceKeys = keys;
        var sourceItems = items;
        ulong[]? scratchKeys = null;
        int[]? scratchItems = null;
        Span<int> next = stackalloc int[Buckets];
        for (var d = 0; d < Digits; d++)
        {
            var digitCounts = counts.AsSpan(d * Buckets, Buckets);
            if (AllInOneBucket(digitCounts, count))
            {
                continue;
            }
            scratchKeys ??= GC.AllocateUninitializedArray<ulong>(count);
            scratchItems ??= GC.AllocateUninitializedArray<int>(count);
            var targetKeys = ReferenceEquals(sourceKeys, keys) ? scratchKeys : keys;
            var targetItems = ReferenceEquals(sourceItems, items) ? scratchItems : items;

            var sum = 0;
            for (var b = 0; b < Buckets; b++)
            {
                next[b] = sum;
                sum += digitCounts[b];
            }
            var shift = d * 8;
            for (var i = 0; i < count; i++)
            {
                var key = sourceKeys[i];
                var at = next[(int)((key >> shift) & 0xFF)]++;
                targetKeys[at] = key;
                targetItems[at] = sourceItems[i];
            }
            sourceKeys = targetKeys;
            sourceItems = targetItems;
        }
        if (!ReferenceEquals(sourceKeys, keys))
        {
            sourceKeys.AsSpan().CopyTo(keys);
            sourceItems.AsSpan().CopyTo(items);
        }
    }

    private static bool AllInOneBucket(ReadOnlySpan<int> digitCounts, int count)
    {
        foreach (var c in digitCounts)
        {
            if (c != 0)
            {
                return c == count;
            }
        }
        return true;
    }

    private static void StableComparisonSort(ulong[] keys, int[] items)
    {
        var order = new (ulong Key, int Position)[keys.Length];
        for (var i = 0; i < keys.Length; i++)
        {
            order[i] = (keys[i], i);
        }
        System.Array.Sort(order);
        var sortedItems = new int[items.Length];
        for (var i = 0; i < order.Length; i++)
        {
            keys[i] = order[i].Key;
            sortedItems[i] = items[order[i].Position];
        }
        sortedItems.AsSpan().CopyTo(items);
    }
}
