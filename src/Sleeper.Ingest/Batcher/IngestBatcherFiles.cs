using Sleeper.Core;
using Sleeper.Core.Ingest.Batcher;
using Sleeper.Core.Storage;
using Sleeper.Ingest.Input;

namespace Sleeper.Ingest.Batcher;

/// <summary>Turns the paths given to the ingest batcher into file requests: folders (and S3 prefixes) read recursively, each file with its size.</summary>
public static class IngestBatcherFiles
{
    /// <summary>The extensions an ingest job reads (see <see cref="Input.IngestInputs"/>), so every file batched can be ingested.</summary>
    public static readonly string[] Extensions = [".parquet", ".csv", ".jsonl", ".json", ".ndjson"];

    /// <summary>
    /// One request per local file, in the order given (a folder's files in ordinal order of their paths), each named
    /// by its full path so a worker in another folder finds it. A path given twice is requested once.
    /// </summary>
    public static IReadOnlyList<FileIngestRequest> Resolve(IEnumerable<string> paths, string tableId, DateTimeOffset receivedTime) =>
        Requests(paths.Select(LocalInputFileStore.Instance.Resolve), tableId, receivedTime);

    /// <summary>
    /// As <see cref="Resolve"/>, for paths read through <paramref name="files"/>: local paths, <c>s3://bucket/key</c>
    /// and <c>s3://bucket/prefix/</c>. Each file is named as the store names it (a full local path, an s3:// URI),
    /// which is what the job's worker reads.
    /// </summary>
    public static async Task<IReadOnlyList<FileIngestRequest>> ResolveAsync(IEnumerable<string> paths, string tableId, DateTimeOffset receivedTime,
        IInputFileStore files, CancellationToken cancellationToken = default)
    {
        var resolved = new List<ResolvedInputPath>();
        foreach (var path in paths)
        {
            resolved.Add(await files.ResolveAsync(path, cancellationToken).ConfigureAwait(false));
        }
        return Requests(resolved, tableId, receivedTime);
    }

    private static List<FileIngestRequest> Requests(IEnumerable<ResolvedInputPath> paths, string tableId, DateTimeOffset receivedTime)
    {
        var files = new List<InputFile>();
        foreach (var path in paths)
        {
            if (path.IsFolder)
            {
                var found = path.Files.Where(f => IsIngestible(f.Path)).ToList();
                if (found.Count == 0)
                {
                    throw new SleeperException($"Folder {path.Path} holds no .parquet, .csv or .jsonl files.");
                }
                files.AddRange(found);
            }
            else if (!IsIngestible(path.Files[0].Path))
            {
                throw new SleeperException($"File {path.Path} is not a .parquet, .csv or .jsonl file, so an ingest job could not read it.");
            }
            else
            {
                files.Add(path.Files[0]);
            }
        }
        return files.DistinctBy(f => f.Path, StringComparer.Ordinal)
            .Select(f => new FileIngestRequest(f.Path, f.Size, tableId, receivedTime))
            .ToList();
    }

    private static bool IsIngestible(string path) => Extensions.Contains(Path.GetExtension(path).ToLowerInvariant());
}
