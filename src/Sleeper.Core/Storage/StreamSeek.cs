namespace Sleeper.Core.Storage;

/// <summary>The arithmetic of <see cref="Stream.Seek"/>, shared by the read streams over stored objects.</summary>
public static class StreamSeek
{
    /// <summary>The position a seek moves to; an <see cref="IOException"/> if that is before the start of the object.</summary>
    public static long Target(long offset, SeekOrigin origin, long position, long length)
    {
        var target = origin switch
        {
            SeekOrigin.Begin => offset,
            SeekOrigin.Current => position + offset,
            SeekOrigin.End => length + offset,
            _ => throw new ArgumentOutOfRangeException(nameof(origin)),
        };
        if (target < 0)
        {
            throw new IOException($"Cannot seek to {target}, before the start of the object.");
        }
        return target;
    }
}
