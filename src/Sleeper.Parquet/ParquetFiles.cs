using Sleeper.Core;

namespace Sleeper.Parquet;

/// <summary>Turns paths given by a user into the Parquet files they name: a folder stands for every .parquet file under it.</summary>
public static class ParquetFiles
{
    public const string Extension = ".parquet";

    /// <summary>
    /// Files are taken as given, whatever their extension; folders are searched recursively for .parquet files,
    /// skipping hidden ones (temporary files being written start with a dot), in ordinal order so runs repeat.
    /// </summary>
    public static IReadOnlyList<string> Find(IEnumerable<string> paths)
    {
        var files = new List<string>();
        foreach (var path in paths)
        {
            if (Directory.Exists(path))
            {
                var found = Directory.EnumerateFiles(path, "*" + Extension, SearchOption.AllDirectories)
                    .Where(f => !Path.GetFileName(f).StartsWith('.') && f.EndsWith(Extension, StringComparison.OrdinalIgnoreCase))
                    .Order(StringComparer.Ordinal)
                    .ToList();
                if (found.Count == 0)
                {
                    throw new SleeperException($"Folder {path} holds no .parquet files.");
                }
                files.AddRange(found);
            }
            else if (File.Exists(path))
            {
                files.Add(path);
            }
            else
            {
                throw new SleeperException($"Input {path} does not exist.");
            }
        }
        return files;
    }
}
