namespace Sleeper.Aws;

/// <summary>How many requests of each kind a store has sent, at one moment.</summary>
public readonly record struct S3RequestCounts(long Get, long Put, long List, long Head, long Delete)
{
    public long Total => Get + Put + List + Head + Delete;

    public static S3RequestCounts operator -(S3RequestCounts a, S3RequestCounts b) =>
        new(a.Get - b.Get, a.Put - b.Put, a.List - b.List, a.Head - b.Head, a.Delete - b.Delete);

    public static S3RequestCounts operator +(S3RequestCounts a, S3RequestCounts b) =>
        new(a.Get + b.Get, a.Put + b.Put, a.List + b.List, a.Head + b.Head, a.Delete + b.Delete);

    public override string ToString() => $"GET {Get}, PUT {Put}, LIST {List}, HEAD {Head}, DELETE {Delete}";
}

/// <summary>
/// Counts the requests an <see cref="S3ObjectStore"/> sends, by the classes S3 bills them in, so benchmarks
/// can report requests per operation (GETs per lookup, PUTs per ingest). Thread-safe. PUT counts every
/// PutObject, CreateMultipartUpload, UploadPart, CompleteMultipartUpload and AbortMultipartUpload; LIST
/// counts ListObjectsV2 and ListMultipartUploads pages. A count is one call of the store; retries the SDK
/// makes inside a call are not counted again.
/// </summary>
public sealed class S3RequestCounters
{
    private long _get;
    private long _put;
    private long _list;
    private long _head;
    private long _delete;

    public S3RequestCounts Current => new(
        Interlocked.Read(ref _get), Interlocked.Read(ref _put), Interlocked.Read(ref _list), Interlocked.Read(ref _head), Interlocked.Read(ref _delete));

    internal void Get() => Interlocked.Increment(ref _get);

    internal void Put() => Interlocked.Increment(ref _put);

    internal void List() => Interlocked.Increment(ref _list);

    internal void Head() => Interlocked.Increment(ref _head);

    internal void Delete() => Interlocked.Increment(ref _delete);
}
