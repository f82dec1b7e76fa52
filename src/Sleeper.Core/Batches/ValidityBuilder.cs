using Apache.Arrow;

namespace Sleeper.Core.Batches;

/// <summary>
/// The validity bitmap of a column being built. It only exists once a null is appended, since most
/// columns (all key columns) never hold one.
/// </summary>
internal sealed class ValidityBuilder
{
    private GrowableBuffer? _bits;
    private int _length;

    public int NullCount { get; private set; }

    public long EstimatedBytes => _bits?.Length ?? 0;

    public void AppendValid()
    {
        if (_bits is null)
        {
            _length++;
        }
        else
        {
            AppendBit(true);
        }
    }

    public void AppendValid(int count)
    {
        if (_bits is null)
        {
            _length += count;
            return;
        }
        for (var i = 0; i < count; i++)
        {
            AppendBit(true);
        }
    }

    public void AppendNull()
    {
        if (_bits is null)
        {
            Materialize();
        }
        AppendBit(false);
        NullCount++;
    }

    public void AppendFrom(IArrowArray source, int start, int count)
    {
        if (source.NullCount == 0)
        {
            AppendValid(count);
            return;
        }
        for (var i = start; i < start + count; i++)
        {
            if (source.IsValid(i))
            {
                AppendValid();
            }
            else
            {
                AppendNull();
            }
        }
    }

    public void AppendFrom(IArrowArray source, ReadOnlySpan<int> indices)
    {
        if (source.NullCount == 0)
        {
            AppendValid(indices.Length);
            return;
        }
        foreach (var i in indices)
        {
            if (source.IsValid(i))
            {
                AppendValid();
            }
            else
            {
                AppendNull();
            }
        }
    }

    public ArrowBuffer Build(out int nullCount)
    {
        nullCount = NullCount;
        var buffer = _bits is null || NullCount == 0 ? ArrowBuffer.Empty : _bits.Build();
        _bits = null;
        _length = 0;
        NullCount = 0;
        return buffer;
    }

    private void Materialize()
    {
        _bits = new GrowableBuffer(Math.Max(64, _length / 4));
        var full = _length / 8;
        _bits.Extend(full).Fill(0xFF);
        var rest = _length % 8;
        if (rest > 0)
        {
            _bits.Append((byte)((1 << rest) - 1));
        }
    }

    private void AppendBit(bool valid)
    {
        if ((_length & 7) == 0)
        {
            _bits!.Append((byte)0);
        }
        if (valid)
        {
            _bits!.Written[_length >> 3] |= (byte)(1 << (_length & 7));
        }
        _length++;
    }
}
