using Amazon.S3;
using Amazon.S3.Model;
using Sleeper.Postgres;
using Sleeper.TestSupport;

namespace Sleeper.CrashHarness;

/// <summary>Where a trial's instance lives.</summary>
public enum Backend
{
    /// <summary>An instance folder: data, logs, queues and trackers in files.</summary>
    Embedded,

    /// <summary>
    /// An instance on services: data in a bucket of the S3 server, the transaction logs, queues, trackers and table
    /// index in PostgreSQL, as <c>sleeper instance create --instance s3://… --state-store postgresql://…</c> makes it.
    /// </summary>
    Services,
}

public static class Backends
{
    public static string Name(this Backend backend) => backend == Backend.Embedded ? "embedded" : "services";

    public static Backend Parse(string text) => text switch
    {
        "embedded" => Backend.Embedded,
        "services" => Backend.Services,
        _ => throw new ArgumentException($"Unknown backend '{text}'; use embedded or services."),
    };
}

/// <summary>
/// The servers a trial on services runs against, as <c>sleeper services start --format env</c> prints them
/// (SLEEPER_S3_ENDPOINT, SLEEPER_POSTGRES, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION), and the cleanup
/// of what a trial made there: its bucket and its PostgreSQL schema.
/// </summary>
public static class ServicesBackend
{
    private static readonly Lock TemporaryFolderLock = new();
    private static string? _temporaryFolder;
    private static string? _originalTmpDir;

    /// <summary>Fails at once, naming what to set, when the servers are not given.</summary>
    public static void EnsureConfigured()
    {
        _ = LocalServers.S3Endpoint;
        _ = LocalServers.PostgresUrl;
    }

    /// <summary>A new bucket name for one trial: lower case, short, unique.</summary>
    public static string NewBucketName() => $"sleeper-crash-{Guid.NewGuid():N}"[..30];

    /// <summary>
    /// Points this process's temporary folder (TMPDIR) at a folder of its own, once. The S3 store stages every
    /// write in a folder under the temporary folder, shared by every process of the machine, and the recovery's
    /// <c>sleeper gc</c> runs by a clock two days ahead, so it would take the staged writes of any other process
    /// on the machine (another test, a developer's worker) for abandoned ones and delete them mid-write.
    /// </summary>
    public static string IsolateTemporaryFolder()
    {
        lock (TemporaryFolderLock)
        {
            if (_temporaryFolder is null)
            {
                var folder = Path.Combine(Path.GetTempPath(), $"sleeper-crash-harness-{Environment.ProcessId}");
                Directory.CreateDirectory(folder);
                _originalTmpDir = Environment.GetEnvironmentVariable("TMPDIR");
                Environment.SetEnvironmentVariable("TMPDIR", folder);
                if (!Path.GetFullPath(Path.GetTempPath()).StartsWith(folder, StringComparison.Ordinal))
                {
                    throw new InvalidOperationException($"Could not move this process's temporary folder to {folder}.");
                }
                _temporaryFolder = folder;
            }
            return _temporaryFolder;
        }
    }

    /// <summary>Gives this process its temporary folder back and removes the one <see cref="IsolateTemporaryFolder"/> made, once no trial runs.</summary>
    public static void RestoreTemporaryFolder()
    {
        lock (TemporaryFolderLock)
        {
            if (_temporaryFolder is null)
            {
                return;
            }
            Environment.SetEnvironmentVariable("TMPDIR", _originalTmpDir);
            try
            {
                Directory.Delete(_temporaryFolder, recursive: true);
            }
            catch (IOException)
            {
            }
            _temporaryFolder = null;
        }
    }

    /// <summary>A client of the S3 server, for looking at and cleaning up a trial's bucket outside the instance.</summary>
    public static AmazonS3Client NewClient() => new(new AmazonS3Config
    {
        ServiceURL = LocalServers.S3Endpoint.ToString(),
        ForcePathStyle = true,
        AuthenticationRegion = "us-east-1",
        RequestChecksumCalculation = Amazon.Runtime.RequestChecksumCalculation.WHEN_REQUIRED,
        ResponseChecksumValidation = Amazon.Runtime.ResponseChecksumValidation.WHEN_REQUIRED,
    });

    /// <summary>Deletes every object of the bucket, then the bucket; nothing when it does not exist.</summary>
    public static async Task DeleteBucketAsync(string bucket, CancellationToken cancellationToken = default)
    {
        using var client = NewClient();
        try
        {
            string? token = null;
            do
            {
                var page = await client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket, ContinuationToken = token }, cancellationToken);
                foreach (var stored in page.S3Objects ?? [])
                {
                    await client.DeleteObjectAsync(bucket, stored.Key, cancellationToken);
                }
                token = page.IsTruncated == true ? page.NextContinuationToken : null;
            }
            while (token is not null);
            await client.DeleteBucketAsync(bucket, cancellationToken);
        }
        catch (AmazonS3Exception e) when (e.ErrorCode == "NoSuchBucket")
        {
        }
    }

    /// <summary>Drops the instance's schema (<c>sleeper_&lt;instance id&gt;</c>) and everything in it.</summary>
    public static async Task DropSchemaAsync(string instanceId, CancellationToken cancellationToken = default)
    {
        await using var database = new PostgresDatabase(LocalServers.PostgresUrl, $"sleeper_{instanceId}");
        await database.DropSchemaAsync(cancellationToken);
    }
}
