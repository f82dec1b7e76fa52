using System.Net;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Amazon;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Sleeper.Aws.S3;
using Sleeper.Core.Storage;

namespace Sleeper.Aws;

/// <summary>
/// The storage port on S3, or on any S3-compatible server: an object is the key <c>&lt;prefix&gt;/&lt;name&gt;</c>
/// in one bucket. Reads are ranged GETs with a block cache and read-ahead; writes are staged in a local file and
/// uploaded on commit, in one PUT or, above <see cref="S3ObjectStoreOptions.MultipartThreshold"/>, in parts
/// uploaded in parallel.
/// </summary>
/// <remarks>
/// <para>
/// <b>Commit never replaces, and how far that holds.</b> A commit first asks with a HEAD whether the object
/// exists, then uploads with <c>If-None-Match: *</c> (on the PUT, or on the completion of a multipart upload).
/// On AWS S3, which honours conditional writes, the conditional upload is the atomic check: of two commits of
/// one name, exactly one succeeds and the other gets <see cref="ObjectAlreadyExistsException"/>. Servers without
/// conditional writes (s3rver, the local test server, ignores the header) have only the HEAD: a commit over an
/// object that existed before it started is refused, but two commits of the same name racing each other may both
/// succeed, the later replacing the earlier. Sleeper's writers name data files by fresh UUIDs and never race on a
/// name, so this matters only for a writer that claims a name by writing it; do not rely on such a claim on those servers.
/// </para>
/// <para>
/// <b>Visibility.</b> An object appears whole when its PUT or the completion of its multipart upload succeeds,
/// never before; an upload that failed is aborted (best effort) and leaves no object.
/// <see cref="WriteAllBytesAsync"/> is one unconditional PUT, so it replaces atomically on every server.
/// </para>
/// <para>
/// <b>Delete</b> asks with a HEAD first, since an S3 delete succeeds whether or not the key exists; two deletes
/// racing may both report true.
/// </para>
/// <para>
/// <b>Errors.</b> Transient failures (503 SlowDown, 500, resets, timeouts) are retried with exponential
/// back-off and jitter, by the SDK's standard retry mode and, for reading response bodies, by the store itself.
/// What remains (a missing bucket, refused credentials, an endpoint that cannot be reached) is an
/// <see cref="S3StoreException"/> naming the bucket, the key and the fix; connect and request timeouts keep
/// an unreachable endpoint from hanging a caller.
/// </para>
/// <para>
/// Credentials come only from the SDK's standard chain (environment, shared profile, machine role), never from
/// the instance's properties.
/// </para>
/// </remarks>
public sealed class S3ObjectStore : IObjectStore, IDisposable
{
    private const string StagingFolderName = "sleeper-s3-staging";
    private const string StagingSuffix = ".tmp";

    /// <summary>
    /// How old a staged write must be before the first write of a store on the same machine deletes it as
    /// abandoned: far longer than any write takes, and the default orphan delay of GC's own sweep.
    /// </summary>
    public static readonly TimeSpan AbandonedStagingAge = TimeSpan.FromDays(1);

    private readonly IAmazonS3 _client;
    private readonly S3ObjectStoreOptions _options;
    private readonly string _keyPrefix;
    private readonly string _stagingFolder;
    private readonly string _endpoint;
    private volatile bool _bucketSeen;
    private int _stagingSwept;

    /// <param name="bucket">The bucket; it must exist.</param>
    /// <param name="prefix">The key prefix the instance's objects live under, without leading or trailing '/'; empty for the bucket's root.</param>
    /// <param name="options">The endpoint, region, staging folder and transfer settings; null for AWS with the defaults.</param>
    public S3ObjectStore(string bucket, string prefix, S3ObjectStoreOptions? options = null)
        : this(bucket, prefix, options ?? new S3ObjectStoreOptions(), credentials: null)
    {
    }

    /// <summary>For tests only: explicit credentials, to show what wrong ones do. Production code never passes any.</summary>
    internal S3ObjectStore(string bucket, string prefix, S3ObjectStoreOptions options, AWSCredentials? credentials)
        : this(bucket, prefix, options, credentials, requests: null)
    {
    }

    /// <param name="requests">Counters shared with other stores (the input store's per-bucket stores), or null for the store's own.</param>
    internal S3ObjectStore(string bucket, string prefix, S3ObjectStoreOptions options, AWSCredentials? credentials, S3RequestCounters? requests)
    {
        Requests = requests ?? new S3RequestCounters();
        ArgumentException.ThrowIfNullOrEmpty(bucket);
        ArgumentNullException.ThrowIfNull(prefix);
        if (bucket.Contains('/', StringComparison.Ordinal))
        {
            throw new ArgumentException($"'{bucket}' is not a bucket name: it holds a '/'.", nameof(bucket));
        }
        options.Validate();
        prefix = prefix.Trim('/');
        if (prefix.Length > 0)
        {
            ObjectNames.Check(prefix);
        }
        Bucket = bucket;
        Prefix = prefix;
        _options = options;
        _keyPrefix = prefix.Length == 0 ? "" : prefix + "/";
        _stagingFolder = Path.GetFullPath(options.ScratchFolder ?? Path.Combine(Path.GetTempPath(), StagingFolderName));
        var config = new AmazonS3Config
        {
            RetryMode = RequestRetryMode.Standard,
            MaxErrorRetry = options.MaxRetries,
            Timeout = options.RequestTimeout,
            ConnectTimeout = options.ConnectTimeout,
        };
        var region = options.Region ?? Environment.GetEnvironmentVariable("AWS_REGION") ?? Environment.GetEnvironmentVariable("AWS_DEFAULT_REGION");
        if (options.Endpoint is { } endpoint)
        {
            config.ServiceURL = endpoint.ToString();
            config.ForcePathStyle = true;
            config.AuthenticationRegion = region ?? "us-east-1";
            // S3-compatible servers know little of the newer default checksums; send them only where S3 requires them.
            config.RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED;
            config.ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED;
            _endpoint = endpoint.ToString().TrimEnd('/');
        }
        else
        {
            if (options.Region is not null)
            {
                config.RegionEndpoint = RegionEndpoint.GetBySystemName(options.Region);
            }
            _endpoint = $"AWS S3 ({region ?? "default region"})";
        }
        _client = credentials is null ? new AmazonS3Client(config) : new AmazonS3Client(credentials, config);
    }

    /// <summary>Opens the store of an instance location <c>s3://bucket/prefix</c>.</summary>
    public static S3ObjectStore FromLocation(string location, S3ObjectStoreOptions? options = null)
    {
        if (!TryParseLocation(location, out var bucket, out var prefix))
        {
            throw new ArgumentException($"'{location}' is not an S3 location: expected s3://bucket or s3://bucket/prefix.", nameof(location));
        }
        return new S3ObjectStore(bucket, prefix, options);
    }

    /// <summary>Splits <c>s3://bucket/prefix</c> into its bucket and key prefix (without slashes at its ends).</summary>
    public static bool TryParseLocation(string location, out string bucket, out string prefix)
    {
        bucket = "";
        prefix = "";
        const string scheme = "s3://";
        if (location is null || !location.StartsWith(scheme, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }
        var rest = location[scheme.Length..];
        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        bucket = slash < 0 ? rest : rest[..slash];
        prefix = slash < 0 ? "" : rest[(slash + 1)..].Trim('/');
        return bucket.Length > 0;
    }

    public string Bucket { get; }

    /// <summary>The key prefix of the instance's objects, without slashes at its ends; empty for the bucket's root.</summary>
    public string Prefix { get; }

    public string Location => Prefix.Length == 0 ? $"s3://{Bucket}" : $"s3://{Bucket}/{Prefix}";

    /// <summary>The endpoint, for messages: a URL, or "AWS S3 (region)".</summary>
    public string Endpoint => _endpoint;

    /// <summary>The requests sent so far, by kind.</summary>
    public S3RequestCounters Requests { get; }

    /// <summary>The local folder where writes are staged.</summary>
    public string StagingFolder => _stagingFolder;

    /// <summary>Opens a read stream; costs one HEAD for the length, then GETs as the stream is read.</summary>
    public async Task<Stream> OpenReadAsync(string name, CancellationToken cancellationToken = default)
    {
        var head = await HeadAsync(name, "read", cancellationToken).ConfigureAwait(false)
            ?? throw new ObjectNotFoundException(Location, name);
        return ReadStreamOf(name, head.ContentLength);
    }

    /// <summary>Opens a read stream of an object of known length (a data file read before): no HEAD, no request until the first read.</summary>
    public Task<Stream> OpenReadAsync(string name, long length, CancellationToken cancellationToken = default)
    {
        ObjectNames.Check(name);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        return Task.FromResult(ReadStreamOf(name, length));
    }

    public async Task<StoredObject?> GetInfoAsync(string name, CancellationToken cancellationToken = default)
    {
        var head = await HeadAsync(name, "look up", cancellationToken).ConfigureAwait(false);
        return head is null ? null : new StoredObject(name, head.ContentLength, ToOffset(head.LastModified));
    }

    public Task<IObjectWrite> StartWriteAsync(string name, CancellationToken cancellationToken = default)
    {
        ObjectNames.Check(name);
        Directory.CreateDirectory(_stagingFolder);
        if (Interlocked.Exchange(ref _stagingSwept, 1) == 0)
        {
            // A process killed mid-write leaves its staged file here, on its own machine, and a worker's machine may
            // never run the GC whose sweep removes it (DeleteAbandonedWritesAsync): the first write of each store
            // removes those older than any write lasts, so a host whose workers get killed does not fill its disk.
            DeleteOldStagingFiles(DateTime.UtcNow - AbandonedStagingAge, cancellationToken);
        }
        var lastSegment = name[(name.LastIndexOf('/') + 1)..];
        var staging = Path.Combine(_stagingFolder, $"{Guid.NewGuid():N}-{lastSegment}{StagingSuffix}");
        // Created now, empty, so the write exists before a writer opens it and a sweep can see its age.
        File.Create(staging).Dispose();
        return Task.FromResult<IObjectWrite>(new S3ObjectWrite(this, name, staging));
    }

    /// <summary>One unconditional PUT: the object is replaced atomically, on every S3-compatible server.</summary>
    public async Task WriteAllBytesAsync(string name, ReadOnlyMemory<byte> content, CancellationToken cancellationToken = default)
    {
        ObjectNames.Check(name);
        var key = KeyOf(name);
        var body = MemoryMarshal.TryGetArray(content, out var segment) && segment.Array is not null
            ? new MemoryStream(segment.Array, segment.Offset, segment.Count, writable: false)
            : new MemoryStream(content.ToArray(), writable: false);
        await using (body.ConfigureAwait(false))
        {
            try
            {
                Requests.Put();
                await _client.PutObjectAsync(new PutObjectRequest
                {
                    BucketName = Bucket,
                    Key = key,
                    InputStream = body,
                    AutoCloseStream = false,
                    UseChunkEncoding = false,
                }, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                throw S3Errors.Translate(e, "write", Bucket, key, _endpoint, cancellationToken);
            }
        }
    }

    /// <remarks>
    /// Pages of ListObjectsV2, streamed as they come. S3 lists in UTF-8 byte order, which is the ordinal order of
    /// names for every character outside the surrogate range. Keys under the prefix that are not valid names (a
    /// folder marker ending in '/', a hidden segment) are skipped: the port could never name them.
    /// </remarks>
    public async IAsyncEnumerable<StoredObject> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ObjectNames.CheckPrefix(prefix);
        await foreach (var o in ListKeysAsync(_keyPrefix + prefix, cancellationToken).ConfigureAwait(false))
        {
            var name = o.Key[_keyPrefix.Length..];
            if (ObjectNames.IsValid(name))
            {
                yield return new StoredObject(name, o.Size ?? 0, ToOffset(o.LastModified));
            }
        }
    }

    /// <summary>A HEAD, then the delete: S3's delete succeeds whether or not the key exists, and the port reports which.</summary>
    public async Task<bool> DeleteAsync(string name, CancellationToken cancellationToken = default)
    {
        if (await HeadAsync(name, "delete", cancellationToken).ConfigureAwait(false) is null)
        {
            return false;
        }
        var key = KeyOf(name);
        try
        {
            Requests.Delete();
            await _client.DeleteObjectAsync(new DeleteObjectRequest { BucketName = Bucket, Key = key }, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (Exception e)
        {
            throw S3Errors.Translate(e, "delete", Bucket, key, _endpoint, cancellationToken);
        }
    }

    /// <summary>
    /// Aborts the multipart uploads under the prefix initiated before the cut-off (a process killed mid-commit
    /// leaves one, and S3 keeps and bills its parts until it is aborted), and deletes staging files in this
    /// store's local staging folder last written before it (a process killed mid-write leaves one on its own
    /// machine); returns how many of both. Servers that cannot list multipart uploads (s3rver) count none of those.
    /// </summary>
    public async Task<int> DeleteAbandonedWritesAsync(DateTimeOffset startedBefore, CancellationToken cancellationToken = default)
    {
        var deleted = DeleteOldStagingFiles(startedBefore.UtcDateTime, cancellationToken);
        string? keyMarker = null;
        string? uploadIdMarker = null;
        while (true)
        {
            ListMultipartUploadsResponse page;
            try
            {
                Requests.List();
                page = await _client.ListMultipartUploadsAsync(new ListMultipartUploadsRequest
                {
                    BucketName = Bucket,
                    Prefix = _keyPrefix,
                    KeyMarker = keyMarker,
                    UploadIdMarker = uploadIdMarker,
                }, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (S3Errors.IsNotImplemented(e))
            {
                return deleted;
            }
            catch (Exception e)
            {
                throw S3Errors.Translate(e, "list the multipart uploads under", Bucket, _keyPrefix, _endpoint, cancellationToken);
            }
            foreach (var upload in page.MultipartUploads ?? [])
            {
                if (upload.Initiated is { } initiated && ToOffset(initiated) < startedBefore)
                {
                    deleted += await AbortAsync(upload.Key, upload.UploadId).ConfigureAwait(false) ? 1 : 0;
                }
            }
            if (page.IsTruncated != true)
            {
                return deleted;
            }
            keyMarker = page.NextKeyMarker;
            uploadIdMarker = page.NextUploadIdMarker;
        }
    }

    /// <summary>Always null: objects are not on local disk. Readers use <see cref="OpenReadAsync"/>.</summary>
    public string? LocalPathOf(string name)
    {
        ObjectNames.Check(name);
        return null;
    }

    public void Dispose() => _client.Dispose();

    /// <summary>The upload behind <see cref="IObjectWrite.CommitAsync"/>: HEAD, then a conditional PUT or a multipart upload.</summary>
    internal async Task UploadAsync(string name, string stagingPath, CancellationToken cancellationToken)
    {
        if (await HeadAsync(name, "commit", cancellationToken).ConfigureAwait(false) is not null)
        {
            throw new ObjectAlreadyExistsException(Location, name);
        }
        var key = KeyOf(name);
        var size = new FileInfo(stagingPath).Length;
        try
        {
            if (size <= _options.MultipartThreshold)
            {
                Requests.Put();
                await _client.PutObjectAsync(new PutObjectRequest
                {
                    BucketName = Bucket,
                    Key = key,
                    FilePath = stagingPath,
                    IfNoneMatch = "*",
                    UseChunkEncoding = false,
                }, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await UploadInPartsAsync(key, stagingPath, size, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (S3Errors.IsPreconditionFailed(e))
        {
            throw new ObjectAlreadyExistsException(Location, name);
        }
        catch (Exception e)
        {
            throw S3Errors.Translate(e, "commit", Bucket, key, _endpoint, cancellationToken);
        }
    }

    internal static void DeleteQuietly(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A leftover staging file is never listed; the sweep of abandoned writes removes it.
        }
    }

    /// <summary>
    /// Parts uploaded from the staged file, at most <see cref="S3ObjectStoreOptions.UploadConcurrency"/> at once;
    /// the first failure cancels the rest and the upload is aborted, so no parts are left behind to be billed.
    /// </summary>
    private async Task UploadInPartsAsync(string key, string stagingPath, long size, CancellationToken cancellationToken)
    {
        Requests.Put();
        var started = await _client.InitiateMultipartUploadAsync(new InitiateMultipartUploadRequest { BucketName = Bucket, Key = key }, cancellationToken).ConfigureAwait(false);
        var uploadId = started.UploadId;
        try
        {
            var partSize = _options.PartSize;
            var partCount = (int)((size + partSize - 1) / partSize);
            var parts = new PartETag[partCount];
            var parallel = new ParallelOptions { MaxDegreeOfParallelism = _options.UploadConcurrency, CancellationToken = cancellationToken };
            await Parallel.ForEachAsync(Enumerable.Range(0, partCount), parallel, async (i, token) =>
            {
                var position = i * partSize;
                Requests.Put();
                var uploaded = await _client.UploadPartAsync(new UploadPartRequest
                {
                    BucketName = Bucket,
                    Key = key,
                    UploadId = uploadId,
                    PartNumber = i + 1,
                    FilePath = stagingPath,
                    FilePosition = position,
                    PartSize = Math.Min(partSize, size - position),
                    IsLastPart = i == partCount - 1,
                    UseChunkEncoding = false,
                }, token).ConfigureAwait(false);
                parts[i] = new PartETag(i + 1, uploaded.ETag);
            }).ConfigureAwait(false);
            Requests.Put();
            await _client.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest
            {
                BucketName = Bucket,
                Key = key,
                UploadId = uploadId,
                PartETags = [.. parts],
                IfNoneMatch = "*",
            }, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await AbortAsync(key, uploadId).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Aborts a multipart upload, best effort: a failure here must not hide the one that caused it.</summary>
    private async Task<bool> AbortAsync(string key, string uploadId)
    {
        try
        {
            Requests.Put();
            using var timeout = new CancellationTokenSource(_options.RequestTimeout);
            await _client.AbortMultipartUploadAsync(new AbortMultipartUploadRequest { BucketName = Bucket, Key = key, UploadId = uploadId }, timeout.Token).ConfigureAwait(false);
            return true;
        }
        catch (Exception e) when (e is AmazonServiceException or AmazonClientException or IOException or HttpRequestException or OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>The object's metadata, or null when it does not exist (after making sure the bucket does: a HEAD's 404 cannot say which is missing).</summary>
    private Task<GetObjectMetadataResponse?> HeadAsync(string name, string operation, CancellationToken cancellationToken)
    {
        ObjectNames.Check(name);
        return HeadKeyAsync(KeyOf(name), operation, cancellationToken);
    }

    /// <summary>
    /// As <see cref="HeadAsync"/>, for a full key of the bucket that need not be a valid name (an ingest input
    /// someone else wrote): the object's metadata, or null when it does not exist.
    /// </summary>
    internal async Task<GetObjectMetadataResponse?> HeadKeyAsync(string key, string operation, CancellationToken cancellationToken)
    {
        try
        {
            Requests.Head();
            var head = await _client.GetObjectMetadataAsync(new GetObjectMetadataRequest { BucketName = Bucket, Key = key }, cancellationToken).ConfigureAwait(false);
            _bucketSeen = true;
            return head;
        }
        catch (Exception e) when (S3Errors.IsNotFound(e))
        {
            await CheckBucketAsync(operation, key, cancellationToken).ConfigureAwait(false);
            return null;
        }
        catch (Exception e)
        {
            throw S3Errors.Translate(e, operation, Bucket, key, _endpoint, cancellationToken);
        }
    }

    /// <summary>
    /// Makes the bucket when it does not exist, for <c>sleeper instance create</c>; true when it made it. A bucket
    /// that exists already (ours, or one another creator made a moment ago) is used as it is.
    /// </summary>
    public async Task<bool> CreateBucketIfMissingAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            Requests.Head();
            await _client.HeadBucketAsync(new HeadBucketRequest { BucketName = Bucket }, cancellationToken).ConfigureAwait(false);
            _bucketSeen = true;
            return false;
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            // Missing: make it below.
        }
        catch (Exception e)
        {
            throw S3Errors.Translate(e, "find the bucket of", Bucket, _keyPrefix, _endpoint, cancellationToken);
        }
        try
        {
            Requests.Put();
            await _client.PutBucketAsync(new PutBucketRequest { BucketName = Bucket }, cancellationToken).ConfigureAwait(false);
            _bucketSeen = true;
            return true;
        }
        catch (AmazonS3Exception e) when (e.ErrorCode is "BucketAlreadyOwnedByYou")
        {
            _bucketSeen = true;
            return false;
        }
        catch (Exception e)
        {
            throw S3Errors.Translate(e, "create the bucket of", Bucket, _keyPrefix, _endpoint, cancellationToken);
        }
    }

    private async Task CheckBucketAsync(string operation, string key, CancellationToken cancellationToken)
    {
        if (_bucketSeen)
        {
            return;
        }
        try
        {
            Requests.Head();
            await _client.HeadBucketAsync(new HeadBucketRequest { BucketName = Bucket }, cancellationToken).ConfigureAwait(false);
            _bucketSeen = true;
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            throw S3Errors.BucketMissing(Bucket, key, _endpoint, operation, e);
        }
        catch (Exception e)
        {
            throw S3Errors.Translate(e, operation, Bucket, key, _endpoint, cancellationToken);
        }
    }

    /// <summary>A ranged-GET stream of one of the instance's objects, of known length.</summary>
    private Stream ReadStreamOf(string name, long length) =>
        OpenKey(KeyOf(name), length, () => new ObjectNotFoundException(Location, name));

    /// <summary>
    /// A read stream of any key of the bucket whose length is known (from a listing or a HEAD): no request until
    /// the first read. <paramref name="notFound"/> makes the error for a key that has gone meanwhile.
    /// </summary>
    internal Stream OpenKey(string key, long length, Func<Exception> notFound) =>
        new S3ReadStream(length, _options.ReadBlockSize, _options.ReadCacheBlocks,
            (start, count, token) => GetKeyRangeAsync(key, notFound, start, count, token));

    /// <summary>Every object whose full key starts with <paramref name="keyPrefix"/>, in key order, whatever its key (no name rules).</summary>
    internal async IAsyncEnumerable<S3Object> ListKeysAsync(string keyPrefix, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        string? token = null;
        do
        {
            ListObjectsV2Response page;
            try
            {
                Requests.List();
                page = await _client.ListObjectsV2Async(new ListObjectsV2Request
                {
                    BucketName = Bucket,
                    Prefix = keyPrefix,
                    ContinuationToken = token,
                }, cancellationToken).ConfigureAwait(false);
                _bucketSeen = true;
            }
            catch (Exception e)
            {
                throw S3Errors.Translate(e, "list", Bucket, keyPrefix, _endpoint, cancellationToken);
            }
            foreach (var o in page.S3Objects ?? [])
            {
                yield return o;
            }
            token = page.IsTruncated == true ? page.NextContinuationToken : null;
        }
        while (token is not null);
    }

    /// <summary>
    /// One ranged GET, read whole. The SDK retries a request that fails before its response; a body that breaks
    /// or stalls while being read is retried here, with the same exponential back-off and jitter.
    /// </summary>
    private async Task<byte[]> GetKeyRangeAsync(string key, Func<Exception> notFound, long start, int count, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                using var stall = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                stall.CancelAfter(_options.RequestTimeout);
                Requests.Get();
                using var response = await _client.GetObjectAsync(new GetObjectRequest
                {
                    BucketName = Bucket,
                    Key = key,
                    ByteRange = new ByteRange(start, start + count - 1),
                }, stall.Token).ConfigureAwait(false);
                if (response.HttpStatusCode != HttpStatusCode.PartialContent && start != 0)
                {
                    throw new S3StoreException(S3FailureKind.Failed, Bucket, key,
                        $"Cannot read s3://{Bucket}/{key}: {_endpoint} ignored the byte range of a GET (answered {(int)response.HttpStatusCode}); ranged reads need a server that honours Range.");
                }
                var data = new byte[count];
                await response.ResponseStream.ReadExactlyAsync(data, stall.Token).ConfigureAwait(false);
                return data;
            }
            catch (Exception e) when (S3Errors.IsNotFound(e))
            {
                throw notFound();
            }
            catch (Exception e) when (attempt < _options.MaxRetries && !cancellationToken.IsCancellationRequested
                && (S3Errors.IsTransient(e) || e is OperationCanceledException))
            {
                await Task.Delay(Backoff(attempt), cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                throw S3Errors.Translate(e, "read", Bucket, key, _endpoint, cancellationToken);
            }
        }
    }

    /// <summary>Full jitter over an exponential ceiling (100 ms, 200 ms, 400 ms, … at most 5 s): retries of many readers spread out.</summary>
    private static TimeSpan Backoff(int attempt) =>
        TimeSpan.FromMilliseconds(Random.Shared.Next(0, (int)Math.Min(5000, 100 * Math.Pow(2, attempt)) + 1));

    private int DeleteOldStagingFiles(DateTime cutoffUtc, CancellationToken cancellationToken)
    {
        var folder = new DirectoryInfo(_stagingFolder);
        if (!folder.Exists)
        {
            return 0;
        }
        var deleted = 0;
        foreach (var file in folder.EnumerateFiles("*" + StagingSuffix))
        {
            cancellationToken.ThrowIfCancellationRequested();
            try
            {
                if (file.LastWriteTimeUtc < cutoffUtc)
                {
                    file.Delete();
                    deleted++;
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Gone already, or not ours to delete: either way not counted.
            }
        }
        return deleted;
    }

    private string KeyOf(string name) => _keyPrefix + name;

    private static DateTimeOffset ToOffset(DateTime? time) =>
        time is { } t ? new DateTimeOffset(t.Kind == DateTimeKind.Unspecified ? DateTime.SpecifyKind(t, DateTimeKind.Utc) : t.ToUniversalTime()) : DateTimeOffset.MinValue;
}
