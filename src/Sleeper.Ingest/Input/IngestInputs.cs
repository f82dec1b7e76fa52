using Sleeper.Core;
using Sleeper.Core.Storage;

namespace Sleeper.Ingest.Input;

/// <summary>
/// Turns input paths into inputs: a folder (or an <c>s3://bucket/prefix/</c>) is read recursively, the format
/// comes from each file's extension or is given, and "-" is standard input. Where the files live is the
/// <see cref="IInputFileStore"/>'s business: local paths by default, <c>s3://</c> paths through a store that reads them.
/// </summary>
public static class IngestInputs
{
    public static readonly string[] Formats = ["parquet", "csv", "jsonl"];

    /// <summary>Local paths only (and standard input): what a process reads with no other store set up.</summary>
    /// <param name="format">parquet, csv or jsonl; null to go by each file's extension (standard input is jsonl).</param>
    public static IReadOnlyList<IIngestInput> Resolve(IEnumerable<string> paths, string? format, Func<TextReader>? standardInput = null)
    {
        CheckFormat(format);
        var local = LocalInputFileStore.Instance;
        var inputs = new List<IIngestInput>();
        foreach (var path in paths)
        {
            inputs.AddRange(path == "-" ? [StandardInput(format, standardInput)] : ForPath(local.Resolve(path), format, local));
        }
        return inputs;
    }

    /// <summary>
    /// Paths read through <paramref name="files"/> (local paths, <c>s3://bucket/key</c>, <c>s3://bucket/prefix/</c>),
    /// and standard input for "-". Every path is looked up before any is read, so a missing one fails at once, naming it.
    /// </summary>
    /// <param name="format">parquet, csv or jsonl; null to go by each file's extension (standard input is jsonl).</param>
    public static async Task<IReadOnlyList<IIngestInput>> ResolveAsync(IEnumerable<string> paths, string? format, IInputFileStore files,
        Func<TextReader>? standardInput = null, CancellationToken cancellationToken = default)
    {
        CheckFormat(format);
        var inputs = new List<IIngestInput>();
        foreach (var path in paths)
        {
            inputs.AddRange(path == "-"
                ? [StandardInput(format, standardInput)]
                : ForPath(await files.ResolveAsync(path, cancellationToken).ConfigureAwait(false), format, files));
        }
        return inputs;
    }

    /// <summary>
    /// The paths as a queued job should name them: local paths made absolute, since the worker may run in another
    /// folder, and URIs (<c>s3://</c>) as given.
    /// </summary>
    public static IReadOnlyList<string> ForJob(IEnumerable<string> paths) =>
        paths.Select(p => InputPaths.SchemeOf(p) is null ? Path.GetFullPath(p) : p).ToList();

    private static void CheckFormat(string? format)
    {
        if (format is not null && !Formats.Contains(format))
        {
            throw new SleeperException($"Unknown input format '{format}'; use parquet, csv or jsonl.");
        }
    }

    private static IIngestInput StandardInput(string? format, Func<TextReader>? standardInput)
    {
        // Console.In would decode with replacement characters; read the bytes and check them.
        var open = standardInput ?? (() => Utf8CheckingStream.Reader(Console.OpenStandardInput(), "standard input"));
        return (format ?? "jsonl") switch
        {
            "csv" => new CsvInput("standard input", open),
            "jsonl" => new JsonLinesInput("standard input", open),
            _ => throw new SleeperException("Standard input can be read as jsonl or csv, not parquet."),
        };
    }

    /// <summary>A folder's files of a known format (or all, with a format given); a file named alone whatever its extension.</summary>
    private static IEnumerable<IIngestInput> ForPath(ResolvedInputPath resolved, string? format, IInputFileStore files)
    {
        if (resolved.IsFolder)
        {
            var found = resolved.Files.Where(f => format is not null || FormatOf(f.Path) is not null).ToList();
            if (found.Count == 0)
            {
                throw new SleeperException($"Folder {resolved.Path} holds no .parquet, .csv or .jsonl files.");
            }
            return found.Select(f => ForFile(f, format ?? FormatOf(f.Path)!, files)).ToList();
        }
        var file = resolved.Files[0];
        return [ForFile(file, format ?? FormatOf(file.Path)
            ?? throw new SleeperException($"Cannot tell the format of {resolved.Path} from its extension; give --format parquet, csv or jsonl."), files)];
    }

    private static IIngestInput ForFile(InputFile file, string format, IInputFileStore files) => format switch
    {
        "parquet" => new ParquetInput(file, files),
        "csv" => new CsvInput(file.Path, () => Utf8CheckingStream.Reader(files.OpenRead(file), file.Path)),
        _ => new JsonLinesInput(file.Path, () => Utf8CheckingStream.Reader(files.OpenRead(file), file.Path)),
    };

    private static string? FormatOf(string path) => Path.GetExtension(path).ToLowerInvariant() switch
    {
        ".parquet" => "parquet",
        ".csv" => "csv",
        ".jsonl" or ".json" or ".ndjson" => "jsonl",
        _ => null,
    };
}
