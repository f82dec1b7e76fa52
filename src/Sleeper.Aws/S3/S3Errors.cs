using System.Net;
using System.Net.Sockets;
using Amazon.Runtime;
using Amazon.S3;

namespace Sleeper.Aws.S3;

/// <summary>
/// Turns what the SDK throws into what a user can act on: a missing object stays a "not found" answer, the
/// rest become an <see cref="S3StoreException"/> naming the bucket, the key, the endpoint and the fix.
/// </summary>
internal static class S3Errors
{
    private static readonly HashSet<string> AccessDeniedCodes = new(StringComparer.Ordinal)
    {
        "AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch", "ExpiredToken", "InvalidToken", "AllAccessDisabled",
    };

    private static readonly HashSet<string> TransientCodes = new(StringComparer.Ordinal)
    {
        "SlowDown", "InternalError", "ServiceUnavailable", "RequestTimeout", "RequestTimeTooSkewed", "ConditionalRequestConflict",
    };

    /// <summary>A 404 for the object, not for the bucket. A HEAD has no body, so its 404 cannot say which: callers check the bucket.</summary>
    public static bool IsNotFound(Exception e) =>
        e is AmazonS3Exception { StatusCode: HttpStatusCode.NotFound } s && s.ErrorCode != "NoSuchBucket";

    /// <summary>A conditional write lost: the object exists (If-None-Match: * failed).</summary>
    public static bool IsPreconditionFailed(Exception e) =>
        e is AmazonS3Exception { StatusCode: HttpStatusCode.PreconditionFailed };

    /// <summary>The server does not offer this request (s3rver has no ListMultipartUploads or AbortMultipartUpload).</summary>
    public static bool IsNotImplemented(Exception e) =>
        e is AmazonS3Exception s && (s.StatusCode is HttpStatusCode.NotImplemented or HttpStatusCode.MethodNotAllowed || s.ErrorCode is "NotImplemented" or "MethodNotAllowed");

    /// <summary>Worth another attempt: throttling, a server error, a reset or a stall. Used where the SDK does not retry (reading a response body).</summary>
    public static bool IsTransient(Exception e) => e switch
    {
        AmazonServiceException s when s.ErrorCode is { } code && TransientCodes.Contains(code) => true,
        AmazonServiceException s when (int)s.StatusCode >= 500 => true,
        AmazonServiceException s when s.InnerException is not null => IsTransient(s.InnerException),
        IOException or HttpRequestException or SocketException or TimeoutException => true,
        _ => false,
    };

    /// <summary>The exception to throw for a failed request; a cancellation the caller asked for passes through unchanged.</summary>
    public static Exception Translate(Exception e, string operation, string bucket, string? key, string endpoint, CancellationToken cancellationToken)
    {
        if (e is OperationCanceledException && cancellationToken.IsCancellationRequested)
        {
            return e;
        }
        if (e is Sleeper.Core.SleeperException)
        {
            return e;
        }
        var what = key is null ? $"s3://{bucket}" : $"s3://{bucket}/{key}";
        var start = $"Cannot {operation} {what}";
        if (e is AmazonS3Exception s3)
        {
            if (s3.ErrorCode == "NoSuchBucket")
            {
                return BucketMissing(bucket, key, endpoint, operation, e);
            }
            if (s3.StatusCode == HttpStatusCode.Forbidden || (s3.ErrorCode is { } code && AccessDeniedCodes.Contains(code)))
            {
                return new S3StoreException(S3FailureKind.AccessDenied, bucket, key,
                    $"{start}: access denied by {endpoint} ({Describe(s3)}). Check the AWS credentials in the standard sources " +
                    "(AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, AWS_PROFILE, or the machine's role) and that they may use the bucket.", e);
            }
            if ((int)s3.StatusCode < 500 && s3.StatusCode != 0)
            {
                return new S3StoreException(S3FailureKind.Failed, bucket, key, $"{start}: {endpoint} answered {Describe(s3)}.", e);
            }
        }
        if (IsCredentialsMissing(e))
        {
            return new S3StoreException(S3FailureKind.AccessDenied, bucket, key,
                $"{start}: no AWS credentials were found ({e.Message}). Set them in the standard sources: AWS_ACCESS_KEY_ID and " +
                "AWS_SECRET_ACCESS_KEY, AWS_PROFILE with a shared credentials file, or a role of the machine.", e);
        }
        if (IsNetwork(e))
        {
            return new S3StoreException(S3FailureKind.Unreachable, bucket, key,
                $"{start}: the S3 endpoint {endpoint} could not be reached or stopped answering ({Innermost(e).Message}), after retries. " +
                "Check that the server runs and that sleeper.s3.endpoint (or the region) is right.", e);
        }
        if (e is AmazonServiceException service)
        {
            return new S3StoreException(S3FailureKind.Failed, bucket, key, $"{start}: {endpoint} answered {Describe(service)}, after retries.", e);
        }
        return e;
    }

    public static S3StoreException BucketMissing(string bucket, string? key, string endpoint, string operation, Exception? inner = null) =>
        new(S3FailureKind.BucketMissing, bucket, key,
            $"Cannot {operation} {(key is null ? $"s3://{bucket}" : $"s3://{bucket}/{key}")}: the bucket '{bucket}' does not exist at {endpoint}. " +
            "Create it, or check the instance's location and sleeper.s3.endpoint.", inner);

    private static string Describe(AmazonServiceException e) =>
        $"{(int)e.StatusCode} {e.ErrorCode ?? e.StatusCode.ToString()}{(string.IsNullOrEmpty(e.Message) ? "" : ": " + e.Message)}";

    private static bool IsCredentialsMissing(Exception e)
    {
        for (var x = e; x is not null; x = x.InnerException)
        {
            if (x is AmazonClientException && x.Message.Contains("credentials", StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }
        return false;
    }

    private static bool IsNetwork(Exception e)
    {
        for (var x = e; x is not null; x = x.InnerException)
        {
            if (x is HttpRequestException or SocketException or IOException or TimeoutException or TaskCanceledException)
            {
                return true;
            }
        }
        return false;
    }

    private static Exception Innermost(Exception e)
    {
        var x = e;
        while (x.InnerException is not null)
        {
            x = x.InnerException;
        }
        return x;
    }
}
