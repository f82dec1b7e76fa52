namespace Sleeper.Core.Storage;

/// <summary>One file to read as input, named as a user or a job names it (a local path or an <c>s3://bucket/key</c> URI), with its size in bytes.</summary>
public sealed record InputFile(string Path, long Size);

/// <summary>What an input path named: one file, or a folder (an S3 prefix) standing for every file under it.</summary>
/// <param name="Path">The path as given.</param>
/// <param name="IsFolder">True when the path named a folder or prefix rather than a file.</param>
/// <param name="Files">The files, in ordinal order of their paths; never empty.</param>
public sealed record ResolvedInputPath(string Path, bool IsFolder, IReadOnlyList<InputFile> Files);

/// <summary>
/// The port through which ingest, bulk import and the ingest batcher reach the files a user names as input:
/// local paths, <c>s3://bucket/key</c> objects and <c>s3://bucket/prefix/</c> "folders". It says what a path
/// names and opens those files as seekable streams, so the capabilities that read inputs stay free of any
/// store's code. Unlike <see cref="IObjectStore"/>, which holds an instance's own objects under names it
/// controls, inputs are anybody's files, named in full, and read only.
/// </summary>
/// <remarks>
/// Adapters: <c>LocalInputFileStore</c> (Sleeper.Ingest) for local paths, <c>S3InputFileStore</c>
/// (Sleeper.Aws) for <c>s3://</c>, and <see cref="RoutingInputFileStore"/> to offer several at once.
/// </remarks>
public interface IInputFileStore
{
    /// <summary>Whether the path is this store's to read (by its scheme: <c>s3://</c>, or none for local paths).</summary>
    bool Accepts(string path);

    /// <summary>
    /// The files a path names: the file itself, or, for a folder (an S3 prefix, or a key with objects under
    /// <c>key/</c>), every file under it at any depth, skipping hidden files (a name starting with '.') and S3
    /// folder markers. Throws <see cref="InputNotFoundException"/> naming the path when nothing is there, and
    /// another <see cref="SleeperException"/> naming it when the store cannot be read (a missing bucket).
    /// </summary>
    Task<ResolvedInputPath> ResolveAsync(string path, CancellationToken cancellationToken = default);

    /// <summary>
    /// Opens a file that <see cref="ResolveAsync"/> found, as a seekable read-only stream that fetches only what
    /// is read (on S3, ranged GETs with read-ahead): a Parquet reader reads its footer and the column chunks it
    /// wants, and a text reader streams, never holding the whole file. Opening sends no request, since the size
    /// is known; a file deleted since fails on the first read, naming it.
    /// </summary>
    Stream OpenRead(InputFile file);

    /// <summary>The local file, for native readers that are fastest on a path; null when the file is not on local disk.</summary>
    string? LocalPathOf(InputFile file);
}

/// <summary>An input path names no file and no folder.</summary>
public sealed class InputNotFoundException(string path, string message) : SleeperException(message)
{
    public string Path { get; } = path;
}
