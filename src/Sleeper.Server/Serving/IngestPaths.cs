using Microsoft.AspNetCore.Http;
using Sleeper.Core.Properties;

namespace Sleeper.Server.Serving;

/// <summary>
/// Which files an API caller may hand to ingest: <c>s3://</c> paths, and local paths only inside the folders the
/// instance allows. Without this a caller with the write role could make the server read any file it can read.
/// </summary>
public static class IngestPaths
{
    public static IReadOnlyList<string> Check(IReadOnlyList<string> paths, ServerLimits limits, string what)
    {
        if (paths.Count == 0)
        {
            throw new ApiException(StatusCodes.Status400BadRequest, $"{what}: 'files' is empty; give at least one file or folder.");
        }
        foreach (var path in paths)
        {
            if (path.StartsWith("s3://", StringComparison.OrdinalIgnoreCase) || path.StartsWith("s3a://", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }
            if (path.Contains("://", StringComparison.Ordinal) || !Path.IsPathFullyQualified(path))
            {
                throw new ApiException(StatusCodes.Status400BadRequest, $"{what}: '{path}' is neither an s3:// path nor an absolute local path.");
            }
            var full = Path.GetFullPath(path);
            if (!limits.IngestLocalFolders.Any(folder => full == folder || full.StartsWith(folder.EndsWith(Path.DirectorySeparatorChar) ? folder : folder + Path.DirectorySeparatorChar, StringComparison.Ordinal)))
            {
                throw new ApiException(StatusCodes.Status403Forbidden, limits.IngestLocalFolders.Count == 0
                    ? $"{what}: '{path}' is a local path, and this server takes only s3:// paths ({ServerProperty.IngestLocalFolders.Name} allows local folders)."
                    : $"{what}: '{path}' is outside the local folders this server reads ({string.Join(", ", limits.IngestLocalFolders)}; {ServerProperty.IngestLocalFolders.Name}).");
            }
        }
        return paths;
    }
}
