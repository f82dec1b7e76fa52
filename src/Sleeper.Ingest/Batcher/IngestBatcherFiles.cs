using Sleeper.Core;
using Sleeper.Core.Ingest.Batcher;

namespace Sleeper.Ingest.Batcher;

/// <summary>Turns the paths given to the ingest batcher into file requests: folders read recursively, each file with its size.</summary>
public static class IngestBatcherFiles
{
    /// <summary>The extensions an ingest job reads (see <see cref="Input.IngestInputs"/>), so every file batched can be ingested.</summary>
    public static readonly string[] Extensions = [".parquet", ".csv", ".jsonl", ".json", ".ndjson"];

    /// <summary>
    /// One request per file, in the order given (a folder's files in ordinal order of their paths), each named by
    /// its full path so a worker in another folder finds it. A path given twice is requested once.
    /// </summary>
    public static IReadOnlyList<FileIngestRequest> Resolve(IEnumerable<string> paths, string tableId, DateTimeOffset receivedTime)
    {
        var files = new List<string>();
        foreach (var path in paths)
        {
            if (Directory.Exists(path))
            {
                var found = Directory.EnumerateFiles(path, "*", SearchOption.AllDirectories)
                    .Where(f => !Path.GetFileName(f).StartsWith('.') && IsIngestible(f))
                    .Order(StringComparer.Ordinal).ToList();
                if (found.Count == 0)
                {
                    throw new SleeperException($"Folder {path} holds no .parquet, .csv or .jsonl files.");
                }
                files.AddRange(found);
            }
            else if (File.Exists(path))
            {
                if (!IsIngestible(path))
                {
                    throw new SleeperException($"File {path} is not a .parquet, .csv or .jsonl file, so an ingest job could not read it.");
                }
                files.Add(path);
            }
            else
            {
                throw new SleeperException($"Input {path} does not exist.");
            }
        }
        return files.Select(Path.GetFullPath).Distinct(StringComparer.Ordinal)
            .Select(f => new FileIngestRequest(f, new FileInfo(f).Length, tableId, receivedTime))
            .ToList();
    }

    private static bool IsIngestible(string path) => Extensions.Contains(Path.GetExtension(path).ToLowerInvariant());
}
