using Sleeper.Core.Storage;

namespace Sleeper.CrashHarness.Faults;

/// <summary>
/// The storage port with faults: writes whose commit fails (nothing becomes visible), writes of small objects
/// that fail, reads that fail to open, and reads that come back short (the stream ends early, as a dropped
/// connection leaves it). Listing, existence and deletion pass through, so the checks see the real state.
/// </summary>
public sealed class FaultInjectingObjectStore(IObjectStore inner, FaultPlan plan) : IObjectStore
{
    public string Location => inner.Location;

    public async Task<Stream> OpenReadAsync(string name, CancellationToken cancellationToken = default)
    {
        if (plan.Next(FaultKind.ObjectReadFails))
        {
            throw new InjectedFaultException(FaultKind.ObjectReadFails, $"opening '{name}'");
        }
        var stream = await inner.OpenReadAsync(name, cancellationToken);
        if (stream.Length > 1 && plan.Next(FaultKind.ObjectReadShort))
        {
            return new ShortReadStream(stream, plan.NextInt((int)Math.Min(stream.Length, int.MaxValue)));
        }
        return stream;
    }

    public Task<StoredObject?> GetInfoAsync(string name, CancellationToken cancellationToken = default) => inner.GetInfoAsync(name, cancellationToken);

    public async Task<IObjectWrite> StartWriteAsync(string name, CancellationToken cancellationToken = default) =>
        new FaultInjectingWrite(await inner.StartWriteAsync(name, cancellationToken), plan);

    public Task WriteAllBytesAsync(string name, ReadOnlyMemory<byte> content, CancellationToken cancellationToken = default) =>
        plan.Next(FaultKind.ObjectWriteFails)
            ? throw new InjectedFaultException(FaultKind.ObjectWriteFails, $"writing '{name}'")
            : inner.WriteAllBytesAsync(name, content, cancellationToken);

    public IAsyncEnumerable<StoredObject> ListAsync(string prefix, CancellationToken cancellationToken = default) => inner.ListAsync(prefix, cancellationToken);

    public Task<bool> DeleteAsync(string name, CancellationToken cancellationToken = default) => inner.DeleteAsync(name, cancellationToken);

    public Task<int> DeleteAbandonedWritesAsync(DateTimeOffset startedBefore, CancellationToken cancellationToken = default) =>
        inner.DeleteAbandonedWritesAsync(startedBefore, cancellationToken);

    /// <summary>
    /// Null, so every reader goes through <see cref="OpenReadAsync"/> and meets its faults, as it would on an
    /// object store, rather than opening the local file behind the harness's back.
    /// </summary>
    public string? LocalPathOf(string name) => null;

    private sealed class FaultInjectingWrite(IObjectWrite inner, FaultPlan plan) : IObjectWrite
    {
        public string Name => inner.Name;
        public string StagingPath => inner.StagingPath;

        public Task CommitAsync(CancellationToken cancellationToken = default) =>
            plan.Next(FaultKind.ObjectWriteFails)
                ? throw new InjectedFaultException(FaultKind.ObjectWriteFails, $"committing '{inner.Name}'")
                : inner.CommitAsync(cancellationToken);

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}

/// <summary>A read-only stream that ends after <c>limit</c> bytes, whatever the length it reports.</summary>
public sealed class ShortReadStream(Stream inner, long limit) : Stream
{
    public override bool CanRead => true;
    public override bool CanSeek => inner.CanSeek;
    public override bool CanWrite => false;
    public override long Length => inner.Length;

    public override long Position
    {
        get => inner.Position;
        set => inner.Position = value;
    }

    public override int Read(byte[] buffer, int offset, int count)
    {
        var left = limit - inner.Position;
        return left <= 0 ? 0 : inner.Read(buffer, offset, (int)Math.Min(count, left));
    }

    public override long Seek(long offset, SeekOrigin origin) => inner.Seek(offset, origin);
    public override void Flush() => inner.Flush();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }
        base.Dispose(disposing);
    }
}
