using Sleeper.Ingest.Spill;

namespace Sleeper.CrashHarness.Faults;

/// <summary>
/// A scratch disk that fills up at a seeded moment: a spill being written stops part way with the error a full
/// disk gives (ENOSPC), and every spill after it fails at once, as on a real full disk, until the trial frees it.
/// </summary>
public sealed class FillingScratchDisk(FaultPlan plan) : ScratchDisk
{
    private const int NoSpaceLeft = 28;
    private int _full;

    public bool IsFull => Volatile.Read(ref _full) == 1;

    public override Stream CreateFile(string path)
    {
        var inner = base.CreateFile(path);
        long room = IsFull ? 0 : plan.Next(FaultKind.ScratchFull) ? plan.NextInt(512) : long.MaxValue;
        return new Filling(this, inner, room);
    }

    private static IOException Full() => new("No space left on device", NoSpaceLeft);

    /// <summary>Passes writes through until the room runs out, then fails them and marks the disk full.</summary>
    private sealed class Filling(FillingScratchDisk disk, Stream inner, long room) : Stream
    {
        private long _written;

        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => _written;
        public override long Position { get => _written; set => throw new NotSupportedException(); }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            Take(buffer.Length);
            inner.Write(buffer);
        }

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Take(buffer.Length);
            await inner.WriteAsync(buffer, cancellationToken);
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Flush() => inner.Flush();

        public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }
            base.Dispose(disposing);
        }

        public override async ValueTask DisposeAsync()
        {
            await inner.DisposeAsync();
            await base.DisposeAsync();
        }

        private void Take(int count)
        {
            if (disk.IsFull || _written + count > room)
            {
                Volatile.Write(ref disk._full, 1);
                throw Full();
            }
            _written += count;
        }
    }
}
