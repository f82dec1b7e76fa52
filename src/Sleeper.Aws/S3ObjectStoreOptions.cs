namespace Sleeper.Aws;

/// <summary>
/// How an <see cref="S3ObjectStore"/> reaches its server and moves bytes. Deliberately holds no credentials:
/// they come only from the AWS SDK's standard chain (environment variables, shared profile, instance or task
/// role), so that no secret is ever written into an instance's properties.
/// </summary>
public sealed record S3ObjectStoreOptions
{
    /// <summary>
    /// An S3-compatible server to use instead of AWS (<c>sleeper.s3.endpoint</c>), such as
    /// <c>http://127.0.0.1:9000</c>. Setting it turns on path-style addressing (<c>endpoint/bucket/key</c>),
    /// which such servers expect; null means AWS itself, with virtual-host addressing.
    /// </summary>
    public Uri? Endpoint { get; init; }

    /// <summary>The region; null takes it from the SDK's standard sources (<c>AWS_REGION</c>, profile), else us-east-1 for an endpoint.</summary>
    public string? Region { get; init; }

    /// <summary>
    /// The local folder where writes are staged before upload; null means a <c>sleeper-s3-staging</c> folder
    /// under the system temp folder. Needs room for every object being written at once.
    /// </summary>
    public string? ScratchFolder { get; init; }

    /// <summary>Objects larger than this are uploaded in parts, in parallel; smaller ones in one PUT.</summary>
    public long MultipartThreshold { get; init; } = 16L * 1024 * 1024;

    /// <summary>The size of each part of a multipart upload but the last; S3 needs at least 5 MiB.</summary>
    public long PartSize { get; init; } = 8L * 1024 * 1024;

    /// <summary>How many parts of one object upload at once.</summary>
    public int UploadConcurrency { get; init; } = 4;

    /// <summary>
    /// The unit a read stream fetches and caches: each ranged GET asks for whole blocks. Larger blocks mean
    /// fewer requests for sequential reads but more bytes wasted on random ones.
    /// </summary>
    public int ReadBlockSize { get; init; } = 1024 * 1024;

    /// <summary>How many blocks one read stream keeps (the cache is ReadBlockSize × this, a few MiB).</summary>
    public int ReadCacheBlocks { get; init; } = 4;

    /// <summary>How long to wait for a TCP connection before the attempt fails (the SDK's default waits forever).</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>How long one request may take to get its response headers, and one read of a response body may stall.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Retries after the first attempt of a request that failed transiently (503 SlowDown, 500, a reset, a
    /// timeout), with exponential back-off and jitter (the SDK's standard retry mode).
    /// </summary>
    public int MaxRetries { get; init; } = 3;

    /// <summary>
    /// The environment variables naming an S3-compatible endpoint, in the order they are consulted: Sleeper's own
    /// (as <c>sleeper services start</c> prints it), then the AWS SDKs' S3-specific and general ones.
    /// </summary>
    public static readonly IReadOnlyList<string> EndpointVariables = ["SLEEPER_S3_ENDPOINT", "AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL"];

    /// <summary>
    /// Options with the endpoint the environment names (<see cref="EndpointVariables"/>, the first set wins), or
    /// none, for AWS itself; the region comes from the SDK's standard sources as always. Throws
    /// <see cref="Core.SleeperException"/> naming the variable when its value is not an http(s) URL.
    /// </summary>
    public static S3ObjectStoreOptions FromEnvironment()
    {
        foreach (var variable in EndpointVariables)
        {
            if (Environment.GetEnvironmentVariable(variable) is { Length: > 0 } value)
            {
                return Uri.TryCreate(value, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"
                    ? new S3ObjectStoreOptions { Endpoint = uri }
                    : throw new Core.SleeperException($"{variable}='{value}' is not an http(s) URL of an S3 endpoint.");
            }
        }
        return new S3ObjectStoreOptions();
    }

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(PartSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(MultipartThreshold, 0);
        ArgumentOutOfRangeException.ThrowIfLessThan(UploadConcurrency, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(ReadBlockSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(ReadCacheBlocks, 2);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxRetries, 0);
    }
}
