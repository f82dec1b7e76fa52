using System.Runtime.CompilerServices;

namespace Sleeper.Core.Sketches;

/// <summary>
/// A KLL quantiles sketch of items ordered by a comparer: a stack of compactors where an item on level h
/// stands for 2^h items of the stream, so about 3k retained items estimate any rank to well within 1% at
/// k = 1024. Mergeable: merging sketches gives a sketch of the union with the same guarantee.
/// </summary>
public sealed class KllSketch<T>
{
    public const int DefaultK = 1024;

    private const byte FormatVersion = 1;
    private const int MinLevelCapacity = 8;

    private readonly IComparer<T> _comparer;
    private readonly Random _random;
    private T[][] _levels = [];
    private int[] _counts = [];
    private int[] _capacities = [];
    private int _numLevels;
    private int _retained;
    private int _maxRetained;
    private long _n;
    private T _min = default!;
    private T _max = default!;
    private SortedView? _view;

    /// <param name="random">Chooses which half of a level survives a compaction; inject a seeded one for reproducible tests.</param>
    public KllSketch(IComparer<T> comparer, int k = DefaultK, Random? random = null)
    {
        ArgumentNullException.ThrowIfNull(comparer);
        if (k < MinLevelCapacity || k > 65535)
        {
            throw new ArgumentOutOfRangeException(nameof(k), k, $"k must be between {MinLevelCapacity} and 65535.");
        }
        _comparer = comparer;
        K = k;
        _random = random ?? Random.Shared;
        AddLevel();
    }

    public int K { get; }

    /// <summary>How many items the sketch has seen.</summary>
    public long N => _n;

    public bool IsEmpty => _n == 0;

    /// <summary>How many items it keeps to stand for them.</summary>
    public int RetainedItems => _retained;

    public IComparer<T> Comparer => _comparer;

    internal Random Random => _random;

    public T MinItem => _n > 0 ? _min : throw new InvalidOperationException("The sketch is empty.");

    public T MaxItem => _n > 0 ? _max : throw new InvalidOperationException("The sketch is empty.");

    public void Update(T item)
    {
        if (_n == 0)
        {
            _min = item;
            _max = item;
        }
        else if (_comparer.Compare(item, _min) < 0)
        {
            _min = item;
        }
        else if (_comparer.Compare(item, _max) > 0)
        {
            _max = item;
        }
        _n++;
        Append(0, item);
        _retained++;
        _view = null;
        if (_retained >= _maxRetained)
        {
            Compress();
        }
    }

    /// <summary>Adds everything the other sketch has seen; the other sketch is unchanged.</summary>
    public void Merge(KllSketch<T> other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (other._n == 0)
        {
            return;
        }
        if (ReferenceEquals(other, this))
        {
            other = Copy();
        }
        while (_numLevels < other._numLevels)
        {
            AddLevel();
        }
        for (var h = 0; h < other._numLevels; h++)
        {
            for (var i = 0; i < other._counts[h]; i++)
            {
                Append(h, other._levels[h][i]);
            }
        }
        if (_n == 0)
        {
            _min = other._min;
            _max = other._max;
        }
        else
        {
            if (_comparer.Compare(other._min, _min) < 0)
            {
                _min = other._min;
            }
            if (_comparer.Compare(other._max, _max) > 0)
            {
                _max = other._max;
            }
        }
        _n += other._n;
        _retained += other._retained;
        _view = null;
        Compress();
    }

    /// <summary>
    /// The same sketch with every item mapped through an order-preserving function, e.g. from row positions
    /// to the values at those positions, so only retained items are ever materialised.
    /// </summary>
    public KllSketch<TOut> Select<TOut>(Func<T, TOut> map, IComparer<TOut> comparer)
    {
        var result = new KllSketch<TOut>(comparer, K, _random);
        while (result._numLevels < _numLevels)
        {
            result.AddLevel();
        }
        for (var h = 0; h < _numLevels; h++)
        {
            for (var i = 0; i < _counts[h]; i++)
            {
                result.Append(h, map(_levels[h][i]));
            }
        }
        result._n = _n;
        result._retained = _retained;
        if (_n > 0)
        {
            result._min = map(_min);
            result._max = map(_max);
        }
        return result;
    }

    /// <summary>Forgets everything, keeping the allocated levels for reuse.</summary>
    public void Reset()
    {
        for (var h = 0; h < _numLevels; h++)
        {
            ClearRange(_levels[h], 0, _counts[h]);
            _counts[h] = 0;
        }
        _numLevels = 0;
        _maxRetained = 0;
        AddLevel();
        _retained = 0;
        _n = 0;
        _min = default!;
        _max = default!;
        _view = null;
    }

    public KllSketch<T> Copy() => Select(x => x, _comparer);

    /// <summary>The approximate fraction of items less than or equal to the given one.</summary>
    public double GetRank(T item)
    {
        if (_n == 0)
        {
            throw new InvalidOperationException("The sketch is empty.");
        }
        var view = View();
        // Index of the first retained item greater than the given one.
        int lo = 0, hi = view.Items.Length;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (_comparer.Compare(view.Items[mid], item) <= 0)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }
        return lo == 0 ? 0 : (double)view.CumulativeWeights[lo - 1] / _n;
    }

    /// <summary>The smallest item whose rank (fraction of items at or below it) is at least the given one.</summary>
    public T GetQuantile(double rank)
    {
        if (_n == 0)
        {
            throw new InvalidOperationException("The sketch is empty.");
        }
        if (double.IsNaN(rank) || rank < 0 || rank > 1)
        {
            throw new ArgumentOutOfRangeException(nameof(rank), rank, "A rank is between 0 and 1.");
        }
        if (rank == 0)
        {
            return _min;
        }
        if (rank == 1)
        {
            return _max;
        }
        var view = View();
        var target = (long)Math.Ceiling(rank * _n);
        var index = Array.BinarySearch(view.CumulativeWeights, target);
        if (index < 0)
        {
            index = ~index;
        }
        return index >= view.Items.Length ? _max : view.Items[index];
    }

    public T[] GetQuantiles(ReadOnlySpan<double> ranks)
    {
        var result = new T[ranks.Length];
        for (var i = 0; i < ranks.Length; i++)
        {
            result[i] = GetQuantile(ranks[i]);
        }
        return result;
    }

    /// <summary>The parts-1 items that cut the stream into that many parts of about equal size.</summary>
    public T[] GetSplitPoints(int parts)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(parts, 1);
        var result = new T[parts - 1];
        for (var i = 1; i < parts; i++)
        {
            result[i - 1] = GetQuantile((double)i / parts);
        }
        return result;
    }

    public byte[] Serialize(Action<BinaryWriter, T> writeItem)
    {
        using var stream = new MemoryStream();
        WriteTo(stream, writeItem);
        return stream.ToArray();
    }

    public void WriteTo(Stream stream, Action<BinaryWriter, T> writeItem)
    {
        using var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true);
        writer.Write(FormatVersion);
        writer.Write(K);
        writer.Write(_n);
        writer.Write(_numLevels);
        for (var h = 0; h < _numLevels; h++)
        {
            writer.Write(_counts[h]);
            for (var i = 0; i < _counts[h]; i++)
            {
                writeItem(writer, _levels[h][i]);
            }
        }
        if (_n > 0)
        {
            writeItem(writer, _min);
            writeItem(writer, _max);
        }
    }

    public static KllSketch<T> Deserialize(byte[] bytes, Func<BinaryReader, T> readItem, IComparer<T> comparer, Random? random = null)
    {
        using var stream = new MemoryStream(bytes, writable: false);
        var sketch = ReadFrom(stream, readItem, comparer, random);
        if (stream.Position != stream.Length)
        {
            throw new SleeperException($"A quantiles sketch has {stream.Length - stream.Position} unexpected bytes after its end.");
        }
        return sketch;
    }

    /// <summary>Reads what <see cref="WriteTo"/> wrote; throws <see cref="SleeperException"/> if it is not a valid sketch.</summary>
    public static KllSketch<T> ReadFrom(Stream stream, Func<BinaryReader, T> readItem, IComparer<T> comparer, Random? random = null)
    {
        using var reader = new BinaryReader(stream, System.Text.Encoding.UTF8, leaveOpen: true);
        try
        {
            var version = reader.ReadByte();
            if (version != FormatVersion)
            {
                throw new SleeperException($"A quantiles sketch has format version {version}; this build reads version {FormatVersion}.");
            }
            var k = reader.ReadInt32();
            var n = reader.ReadInt64();
            var numLevels = reader.ReadInt32();
            if (k < MinLevelCapacity || k > 65535 || n < 0 || numLevels < 1 || numLevels > 62)
            {
                throw new SleeperException("A quantiles sketch has an invalid header.");
            }
            var sketch = new KllSketch<T>(comparer, k, random);
            while (sketch._numLevels < numLevels)
            {
                sketch.AddLevel();
            }
            long weight = 0;
            for (var h = 0; h < numLevels; h++)
            {
                var count = reader.ReadInt32();
                if (count < 0 || count > stream.Length)
                {
                    throw new SleeperException($"A quantiles sketch has an invalid item count on level {h}.");
                }
                for (var i = 0; i < count; i++)
                {
                    sketch.Append(h, readItem(reader));
                }
                sketch._retained += count;
                weight += (long)count << h;
            }
            // Compaction turns two items into one of twice the weight, so the weights always add up to n.
            if (weight != n)
            {
                throw new SleeperException($"A quantiles sketch is inconsistent: its items stand for {weight} items but it claims {n}.");
            }
            sketch._n = n;
            if (n > 0)
            {
                sketch._min = readItem(reader);
                sketch._max = readItem(reader);
            }
            return sketch;
        }
        catch (EndOfStreamException e)
        {
            throw new SleeperException("A quantiles sketch ends too early.", e);
        }
    }

    private void Append(int level, T item)
    {
        var items = _levels[level];
        var count = _counts[level];
        if (count == items.Length)
        {
            Array.Resize(ref _levels[level], Math.Max(MinLevelCapacity, items.Length * 2));
            items = _levels[level];
        }
        items[count] = item;
        _counts[level] = count + 1;
    }

    private void AddLevel()
    {
        var levels = _numLevels + 1;
        if (_levels.Length < levels)
        {
            Array.Resize(ref _levels, levels);
            Array.Resize(ref _counts, levels);
            _levels[levels - 1] = [];
        }
        _numLevels = levels;
        _capacities = new int[levels];
        _maxRetained = 0;
        for (var h = 0; h < levels; h++)
        {
            // The top level holds k items; each level below holds 2/3 as many, down to a small minimum.
            var depth = levels - h - 1;
            _capacities[h] = Math.Max(MinLevelCapacity, (int)Math.Ceiling(K * Math.Pow(2.0 / 3.0, depth)));
            _maxRetained += _capacities[h];
        }
    }

    private void Compress()
    {
        while (_retained >= _maxRetained)
        {
            for (var h = 0; h < _numLevels; h++)
            {
                if (_counts[h] >= _capacities[h])
                {
                    CompactLevel(h);
                    break;
                }
            }
        }
    }

    private void CompactLevel(int h)
    {
        if (h + 1 == _numLevels)
        {
            AddLevel();
        }
        var items = _levels[h];
        var count = _counts[h];
        // Sorted input (the usual case: files are written in key order) leaves every level sorted already,
        // and checking costs one comparison an item where sorting costs a dozen.
        if (!IsSorted(items, count))
        {
            Array.Sort(items, 0, count, _comparer);
        }
        // With an odd count the smallest item stays behind, so the rest pair up exactly.
        var start = count & 1;
        var offset = _random.Next(2);
        for (var i = start + offset; i < count; i += 2)
        {
            Append(h + 1, items[i]);
        }
        var pushed = (count - start) / 2;
        ClearRange(items, start, count - start);
        _counts[h] = start;
        _retained -= count - start - pushed;
    }

    private bool IsSorted(T[] items, int count)
    {
        for (var i = 1; i < count; i++)
        {
            if (_comparer.Compare(items[i - 1], items[i]) > 0)
            {
                return false;
            }
        }
        return true;
    }

    private static void ClearRange(T[] items, int start, int length)
    {
        if (RuntimeHelpers.IsReferenceOrContainsReferences<T>() && length > 0)
        {
            Array.Clear(items, start, length);
        }
    }

    private SortedView View()
    {
        if (_view is { } view)
        {
            return view;
        }
        var items = new T[_retained];
        var weights = new long[_retained];
        var at = 0;
        for (var h = 0; h < _numLevels; h++)
        {
            Array.Copy(_levels[h], 0, items, at, _counts[h]);
            weights.AsSpan(at, _counts[h]).Fill(1L << h);
            at += _counts[h];
        }
        Array.Sort(items, weights, _comparer);
        for (var i = 1; i < weights.Length; i++)
        {
            weights[i] += weights[i - 1];
        }
        return _view = new SortedView(items, weights);
    }

    private sealed record SortedView(T[] Items, long[] CumulativeWeights);
}
