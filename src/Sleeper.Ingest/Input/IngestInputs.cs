using Sleeper.Core;

namespace Sleeper.Ingest.Input;

/// <summary>Turns command-line paths into inputs: folders are read recursively, the format comes from the extension or is given.</summary>
public static class IngestInputs
{
    public static readonly string[] Formats = ["parquet", "csv", "jsonl"];

    /// <param name="format">parquet, csv or jsonl; null to go by each file's extension (standard input is jsonl).</param>
    public static IReadOnlyList<IIngestInput> Resolve(IEnumerable<string> paths, string? format, Func<TextReader>? standardInput = null)
    {
        if (format is not null && !Formats.Contains(format))
        {
            throw new SleeperException($"Unknown input format '{format}'; use parquet, csv or jsonl.");
        }
        var inputs = new List<IIngestInput>();
        foreach (var path in paths)
        {
            if (path == "-")
            {
                // Console.In would decode with replacement characters; read the bytes and check them.
                var open = standardInput ?? (() => Utf8CheckingStream.Reader(Console.OpenStandardInput(), "standard input"));
                inputs.Add((format ?? "jsonl") switch
                {
                    "csv" => new CsvInput("standard input", open),
                    "jsonl" => new JsonLinesInput("standard input", open),
                    _ => throw new SleeperException("Standard input can be read as jsonl or csv, not parquet."),
                });
            }
            else if (Directory.Exists(path))
            {
                var files = Directory.EnumerateFiles(path, "*", SearchOption.AllDirectories)
                    .Where(f => !Path.GetFileName(f).StartsWith('.') && (format is not null || FormatOf(f) is not null))
                    .Order(StringComparer.Ordinal).ToList();
                if (files.Count == 0)
                {
                    throw new SleeperException($"Folder {path} holds no .parquet, .csv or .jsonl files.");
                }
                inputs.AddRange(files.Select(f => ForFile(f, format ?? FormatOf(f)!)));
            }
            else if (File.Exists(path))
            {
                inputs.Add(ForFile(path, format ?? FormatOf(path)
                    ?? throw new SleeperException($"Cannot tell the format of {path} from its extension; give --format parquet, csv or jsonl.")));
            }
            else
            {
                throw new SleeperException($"Input {path} does not exist.");
            }
        }
        return inputs;
    }

    private static IIngestInput ForFile(string path, string format) => format switch
    {
        "parquet" => new ParquetInput(path),
        "csv" => CsvInput.FromFile(path),
        _ => JsonLinesInput.FromFile(path),
    };

    private static string? FormatOf(string path) => Path.GetExtension(path).ToLowerInvariant() switch
    {
        ".parquet" => "parquet",
        ".csv" => "csv",
        ".jsonl" or ".json" or ".ndjson" => "jsonl",
        _ => null,
    };
}
