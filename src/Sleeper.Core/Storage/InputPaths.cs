using System.Text.RegularExpressions;

namespace Sleeper.Core.Storage;

/// <summary>How input paths are told apart: a URI (<c>s3://bucket/key</c>) has a scheme, a local path has none.</summary>
public static partial class InputPaths
{
    /// <summary>The scheme of a URI path in lower case (<c>s3</c>), or null for a local path.</summary>
    public static string? SchemeOf(string path)
    {
        var match = SchemePattern().Match(path);
        return match.Success ? match.Groups["scheme"].Value.ToLowerInvariant() : null;
    }

    // Two or more letters, so that a Windows drive (C:/) is never taken for a scheme.
    [GeneratedRegex(@"^(?<scheme>[A-Za-z][A-Za-z0-9+.\-]+)://")]
    private static partial Regex SchemePattern();
}
