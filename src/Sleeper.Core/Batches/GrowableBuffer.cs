using System.Runtime.CompilerServices;
using Apache.Arrow;

namespace Sleeper.Core.Batches;

/// <summary>
/// A growable byte buffer whose memory is handed to an Arrow buffer without a copy when a column is built.
/// </summary>
internal sealed class GrowableBuffer(int capacity)
{
    private byte[] _bytes = capacity <= 0 ? [] : GC.AllocateUninitializedArray<byte>(capacity);

    // The size of the last built buffer: the next one of a batch builder is likely to need as much.
    private int _capacityHint = capacity;

    public int Length { get; private set; }

    public Span<byte> Written => _bytes.AsSpan(0, Length);

    public void Append<T>(T value) where T : unmanaged
    {
        var size = Unsafe.SizeOf<T>();
        EnsureRoom(size);
        Unsafe.WriteUnaligned(ref _bytes[Length], value);
        Length += size;
    }

    public void Append(ReadOnlySpan<byte> bytes)
    {
        EnsureRoom(bytes.Length);
        bytes.CopyTo(_bytes.AsSpan(Length));
        Length += bytes.Length;
    }

    /// <summary>Grows by <paramref name="count"/> bytes and returns them, uninitialised, for the caller to fill.</summary>
    public Span<byte> Extend(int count)
    {
        EnsureRoom(count);
        var span = _bytes.AsSpan(Length, count);
        Length += count;
        return span;
    }

    public ArrowBuffer Build()
    {
        var buffer = Length == 0 ? ArrowBuffer.Empty : new ArrowBuffer(_bytes.AsMemory(0, Length));
        _capacityHint = Math.Max(Length, 64);
        _bytes = [];
        Length = 0;
        return buffer;
    }

    private void EnsureRoom(int extra)
    {
        if ((long)Length + extra > _bytes.Length)
        {
            Grow((long)Length + extra);
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void Grow(long needed)
    {
        if (needed > System.Array.MaxLength)
        {
            throw new InvalidOperationException($"An Arrow buffer cannot hold {needed} bytes; build smaller batches.");
        }
        var capacity = Math.Max(needed, Math.Max(_capacityHint, (long)_bytes.Length * 2));
        var bytes = GC.AllocateUninitializedArray<byte>((int)Math.Min(capacity, System.Array.MaxLength));
        Written.CopyTo(bytes);
        _bytes = bytes;
    }
}
