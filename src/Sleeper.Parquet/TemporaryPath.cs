namespace Sleeper.Parquet;

/// <summary>Hidden names in the target's own folder, so that the final rename is atomic (same file system).</summary>
internal static class TemporaryPath
{
    public const string Suffix = ".tmp";

    public static string Beside(string finalPath)
    {
        var full = Path.GetFullPath(finalPath);
        var folder = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(folder);
        return Path.Combine(folder, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}{Suffix}");
    }

    public static void DeleteQuietly(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // A leftover temporary file is never referenced by anything, so it only wastes space.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
