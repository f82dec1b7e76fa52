using System.Collections.Concurrent;
using Sleeper.Core;
using Sleeper.Core.Storage;

namespace Sleeper.Aws;

/// <summary>
/// Ingest inputs on S3 or an S3-compatible server (<see cref="IInputFileStore"/>): <c>s3://bucket/key</c> names an
/// object, and <c>s3://bucket/prefix/</c> (or a key with objects under <c>key/</c>, or a bare bucket) a "folder" of
/// every object under it. Files are read through the same ranged GETs with read-ahead as <see cref="S3ObjectStore"/>,
/// with the same retries and errors, reaching the same endpoint with the SDK's standard credentials.
/// </summary>
/// <remarks>
/// A path costs one HEAD (a key that exists is a file) and, if that finds nothing, LIST pages of the prefix. The
/// sizes found then let every read stream open with no request of its own. One client per bucket is kept for the
/// life of the store; all of them count their requests in <see cref="Requests"/>.
/// </remarks>
public sealed class S3InputFileStore : IInputFileStore, IDisposable
{
    private const string Scheme = "s3://";

    private readonly S3ObjectStoreOptions _options;
    private readonly ConcurrentDictionary<string, Lazy<S3ObjectStore>> _buckets = new(StringComparer.Ordinal);

    /// <param name="options">
    /// The endpoint and transfer settings; null takes the endpoint from the environment
    /// (<see cref="S3ObjectStoreOptions.FromEnvironment"/>). An instance on S3 passes its own options, so inputs
    /// are read from the same server as its data.
    /// </param>
    public S3InputFileStore(S3ObjectStoreOptions? options = null)
    {
        _options = options ?? S3ObjectStoreOptions.FromEnvironment();
        _options.Validate();
    }

    /// <summary>The requests sent so far to every bucket, by kind.</summary>
    public S3RequestCounters Requests { get; } = new();

    public bool Accepts(string path) => path.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase);

    public async Task<ResolvedInputPath> ResolveAsync(string path, CancellationToken cancellationToken = default)
    {
        var (bucket, key) = Parse(path);
        var store = StoreFor(bucket);
        try
        {
            if (key.Length > 0 && !key.EndsWith('/'))
            {
                var head = await store.HeadKeyAsync(key, "read input", cancellationToken).ConfigureAwait(false);
                if (head is not null)
                {
                    return new ResolvedInputPath(path, IsFolder: false, [new InputFile(UriOf(bucket, key), head.ContentLength)]);
                }
            }
            var prefix = key.Length == 0 || key.EndsWith('/') ? key : key + "/";
            var files = new List<InputFile>();
            await foreach (var o in store.ListKeysAsync(prefix, cancellationToken).ConfigureAwait(false))
            {
                // Folder markers (keys ending in '/') hold nothing; hidden names are temporary files, as on disk.
                var name = o.Key[(o.Key.LastIndexOf('/') + 1)..];
                if (name.Length > 0 && !name.StartsWith('.'))
                {
                    files.Add(new InputFile(UriOf(bucket, o.Key), o.Size ?? 0));
                }
            }
            if (files.Count == 0)
            {
                throw new InputNotFoundException(path, prefix == key
                    ? $"Input {path} does not exist: no object in bucket '{bucket}' at {store.Endpoint} has a key starting with '{prefix}'."
                    : $"Input {path} does not exist: bucket '{bucket}' at {store.Endpoint} has no object '{key}' and none under '{prefix}'.");
            }
            return new ResolvedInputPath(path, IsFolder: true, files.OrderBy(f => f.Path, StringComparer.Ordinal).ToList());
        }
        catch (S3StoreException e) when (e.Kind == S3FailureKind.BucketMissing)
        {
            throw new S3StoreException(S3FailureKind.BucketMissing, bucket, key,
                $"Cannot read input {path}: the bucket '{bucket}' does not exist at {store.Endpoint}. Check the path, and the endpoint " +
                $"({string.Join(", ", S3ObjectStoreOptions.EndpointVariables)}, else AWS itself).", e);
        }
    }

    public Stream OpenRead(InputFile file)
    {
        var (bucket, key) = Parse(file.Path);
        return StoreFor(bucket).OpenKey(key, file.Size,
            () => new InputNotFoundException(file.Path, $"Input {file.Path} was deleted while it was being read."));
    }

    /// <summary>Always null: objects are not on local disk.</summary>
    public string? LocalPathOf(InputFile file) => null;

    public void Dispose()
    {
        foreach (var store in _buckets.Values.Where(l => l.IsValueCreated))
        {
            store.Value.Dispose();
        }
    }

    private S3ObjectStore StoreFor(string bucket) =>
        _buckets.GetOrAdd(bucket, b => new Lazy<S3ObjectStore>(() => new S3ObjectStore(b, "", _options, credentials: null, Requests))).Value;

    private static (string Bucket, string Key) Parse(string path)
    {
        if (!path.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase))
        {
            throw new SleeperException($"Input {path} is not an S3 path: expected s3://bucket/key or s3://bucket/prefix/.");
        }
        var rest = path[Scheme.Length..];
        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        var bucket = slash < 0 ? rest : rest[..slash];
        var key = slash < 0 ? "" : rest[(slash + 1)..];
        if (bucket.Length == 0)
        {
            throw new SleeperException($"Input {path} names no bucket: expected s3://bucket/key or s3://bucket/prefix/.");
        }
        return (bucket, key);
    }

    private static string UriOf(string bucket, string key) => $"{Scheme}{bucket}/{key}";
}
