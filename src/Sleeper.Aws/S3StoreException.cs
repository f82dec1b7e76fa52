using Sleeper.Core;

namespace Sleeper.Aws;

/// <summary>What kind of failure stopped a request to S3, so a caller can tell a fix for the user from a reason to retry later.</summary>
public enum S3FailureKind
{
    /// <summary>The bucket does not exist (or is not visible at this endpoint).</summary>
    BucketMissing,

    /// <summary>The credentials are missing, wrong, or not allowed to do this.</summary>
    AccessDenied,

    /// <summary>The server could not be reached, or stopped answering, after the retries.</summary>
    Unreachable,

    /// <summary>Any other error the server returned.</summary>
    Failed,
}

/// <summary>
/// A request to S3 failed for a reason the caller should see: it names the bucket, the key and what to do.
/// Raised after the transient errors have been retried, never for a missing object (that is
/// <see cref="Sleeper.Core.Storage.ObjectNotFoundException"/>).
/// </summary>
public sealed class S3StoreException(S3FailureKind kind, string bucket, string? key, string message, Exception? inner = null)
    : SleeperException(message, inner)
{
    public S3FailureKind Kind { get; } = kind;

    public string Bucket { get; } = bucket;

    /// <summary>The object's full key in the bucket, or null for a request on the bucket as a whole.</summary>
    public string? Key { get; } = key;
}
