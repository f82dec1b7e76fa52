using Amazon.S3;
using Amazon.S3.Model;
using Sleeper.Core.Storage;

namespace Sleeper.Aws.Tests;

/// <summary>
/// A fresh bucket on the local S3 server (<see cref="LocalServers.S3Endpoint"/>) for one test class, emptied and
/// deleted after it. Stores made from it each get their own key prefix and local staging folder, so the tests of
/// the class never see each other's objects.
/// </summary>
public sealed class S3TestBucket : IAsyncLifetime
{
    private readonly List<TempFolder> _scratch = [];
    private readonly List<S3ObjectStore> _stores = [];

    public S3TestBucket()
    {
        Endpoint = LocalServers.S3Endpoint;
        Client = new AmazonS3Client(new AmazonS3Config
        {
            ServiceURL = Endpoint.ToString(),
            ForcePathStyle = true,
            AuthenticationRegion = "us-east-1",
            RequestChecksumCalculation = Amazon.Runtime.RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = Amazon.Runtime.ResponseChecksumValidation.WHEN_REQUIRED,
        });
    }

    public Uri Endpoint { get; }

    public string Name { get; } = $"sleeper-test-{Guid.NewGuid():N}"[..30];

    /// <summary>A client for the test's own looks at the bucket, outside the store.</summary>
    public AmazonS3Client Client { get; }

    /// <summary>Options for a store on the test server; small parts so that the tests cross the multipart threshold cheaply.</summary>
    public S3ObjectStoreOptions Options(string? scratch = null) => new()
    {
        Endpoint = Endpoint,
        ScratchFolder = scratch,
        MultipartThreshold = 5 * 1024 * 1024,
        PartSize = 5 * 1024 * 1024,
    };

    /// <summary>A store under a fresh prefix of this bucket, with its own staging folder.</summary>
    public S3ObjectStore NewStore(Func<S3ObjectStoreOptions, S3ObjectStoreOptions>? adjust = null)
    {
        var scratch = new TempFolder();
        var options = Options(scratch.Path);
        var store = new S3ObjectStore(Name, $"instances/{Guid.NewGuid():N}", adjust is null ? options : adjust(options));
        lock (_stores)
        {
            _scratch.Add(scratch);
            _stores.Add(store);
        }
        return store;
    }

    public async Task InitializeAsync() => await Client.PutBucketAsync(new PutBucketRequest { BucketName = Name });

    public async Task DisposeAsync()
    {
        string? token = null;
        do
        {
            var page = await Client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = Name, ContinuationToken = token });
            foreach (var o in page.S3Objects ?? [])
            {
                await Client.DeleteObjectAsync(Name, o.Key);
            }
            token = page.IsTruncated == true ? page.NextContinuationToken : null;
        }
        while (token is not null);
        await Client.DeleteBucketAsync(Name);
        Client.Dispose();
        foreach (var store in _stores)
        {
            store.Dispose();
        }
        foreach (var scratch in _scratch)
        {
            scratch.Dispose();
        }
    }
}
