namespace Sleeper.Instance;

/// <summary>Writes small files so readers see either the old content or the new, never half of it.</summary>
internal static class AtomicFile
{
    public static void Write(string path, string content, bool overwrite, Func<Exception>? onExists = null)
    {
        var temp = Path.Combine(Path.GetDirectoryName(path)!, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
        File.WriteAllText(temp, content);
        try
        {
            File.Move(temp, path, overwrite);
        }
        catch (IOException) when (!overwrite && File.Exists(path))
        {
            File.Delete(temp);
            throw onExists?.Invoke() ?? new IOException($"{path} already exists.");
        }
    }
}
