using Sleeper.Core;

namespace Sleeper.Instance;

/// <summary>
/// Where an instance is: a local folder (embedded) or <c>s3://bucket/prefix</c> (on services). Everything else
/// about the instance is read from the <c>instance.properties</c> found there.
/// </summary>
public sealed record InstanceLocation
{
    private InstanceLocation(string text, string? folder, string? bucket, string? prefix)
    {
        Text = text;
        Folder = folder;
        Bucket = bucket;
        Prefix = prefix;
    }

    /// <summary>The location as the user should write it: a full path, or <c>s3://bucket/prefix</c>.</summary>
    public string Text { get; }

    /// <summary>The full path of the instance folder; null for an instance in a bucket.</summary>
    public string? Folder { get; }

    public string? Bucket { get; }

    /// <summary>The key prefix inside <see cref="Bucket"/>, without slashes at its ends; empty for the bucket's root.</summary>
    public string? Prefix { get; }

    public bool IsFolder => Folder is not null;

    public override string ToString() => Text;

    /// <summary>
    /// Reads a location given on the command line or in SLEEPER_INSTANCE. A URI of any scheme but s3 is refused,
    /// never taken for a folder named "scheme:".
    /// </summary>
    public static InstanceLocation Parse(string location)
    {
        ArgumentNullException.ThrowIfNull(location);
        var scheme = location.IndexOf("://", StringComparison.Ordinal);
        if (scheme < 0)
        {
            var folder = Path.GetFullPath(location);
            return new InstanceLocation(folder, folder, null, null);
        }
        if (!location.StartsWith("s3://", StringComparison.OrdinalIgnoreCase))
        {
            throw new SleeperException($"'{location}' is not an instance location: give a folder (embedded) or s3://BUCKET/PREFIX (an instance on services).");
        }
        var rest = location["s3://".Length..];
        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        var bucket = slash < 0 ? rest : rest[..slash];
        var prefix = slash < 0 ? "" : rest[(slash + 1)..].Trim('/');
        if (bucket.Length == 0)
        {
            throw new SleeperException($"'{location}' names no bucket: write s3://BUCKET or s3://BUCKET/PREFIX.");
        }
        var text = prefix.Length == 0 ? $"s3://{bucket}" : $"s3://{bucket}/{prefix}";
        return new InstanceLocation(text, null, bucket, prefix);
    }
}
