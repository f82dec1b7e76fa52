using Sleeper.Core;
using Sleeper.Core.Storage;

namespace Sleeper.Ingest.Input;

/// <summary>
/// Input files on local disk (<see cref="IInputFileStore"/>): a path names a file, or a folder standing for every
/// file under it at any depth. Paths are made absolute, so a job that names them can run in any folder. The
/// default of every runner and worker that resolves input paths, so they read local files with nothing wired.
/// </summary>
public sealed class LocalInputFileStore : IInputFileStore
{
    private LocalInputFileStore()
    {
    }

    public static LocalInputFileStore Instance { get; } = new();

    /// <summary>Any path without a scheme (<c>s3://</c> and the like are other stores').</summary>
    public bool Accepts(string path) => InputPaths.SchemeOf(path) is null;

    public Task<ResolvedInputPath> ResolveAsync(string path, CancellationToken cancellationToken = default) => Task.FromResult(Resolve(path));

    /// <summary>As <see cref="ResolveAsync"/>, for callers with nothing to wait for: local disk answers at once.</summary>
    public ResolvedInputPath Resolve(string path)
    {
        if (InputPaths.SchemeOf(path) is { } scheme)
        {
            throw new SleeperException($"Cannot read input {path}: this process was not set up to read {scheme}:// inputs.");
        }
        if (Directory.Exists(path))
        {
            // Hidden files are skipped: temporary files being written start with a dot.
            var files = Directory.EnumerateFiles(path, "*", SearchOption.AllDirectories)
                .Where(f => !Path.GetFileName(f).StartsWith('.'))
                .Select(Path.GetFullPath)
                .Order(StringComparer.Ordinal)
                .Select(f => new InputFile(f, new FileInfo(f).Length))
                .ToList();
            if (files.Count == 0)
            {
                throw new InputNotFoundException(path, $"Folder {path} holds no files.");
            }
            return new ResolvedInputPath(path, IsFolder: true, files);
        }
        if (File.Exists(path))
        {
            var full = Path.GetFullPath(path);
            return new ResolvedInputPath(path, IsFolder: false, [new InputFile(full, new FileInfo(full).Length)]);
        }
        throw new InputNotFoundException(path, $"Input {path} does not exist.");
    }

    /// <summary>A file stream that reads ahead sequentially (text inputs) and seeks (Parquet's readers use the path instead).</summary>
    public Stream OpenRead(InputFile file) =>
        new FileStream(file.Path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.SequentialScan);

    public string? LocalPathOf(InputFile file) => file.Path;
}
