using Sleeper.Core;
using Sleeper.Core.Schema;
using Sleeper.Core.Sketches;

namespace Sleeper.Parquet;

/// <summary>
/// Sketches the row keys of Parquet files of a table's schema, as input to split-point estimation: from the
/// <c>.sketches</c> file beside a data file when it is of the same rows, else by reading the row-key columns alone.
/// </summary>
public static class RowKeySketcher
{
    /// <summary>The merged sketches of all the files, and how many of them came from <c>.sketches</c> files.</summary>
    public sealed record Result(RowKeySketches Sketches, int Files, int FromSketchesFiles);

    /// <param name="random">Seeds the sketches' compactions, so the same files give the same answer.</param>
    /// <exception cref="SleeperException">A file is missing, not Parquet, lacks a field of the schema or has it in
    /// another type, or has a null row key; the message names the file and field.</exception>
    public static async Task<Result> SketchAsync(IReadOnlyList<string> files, TableSchema schema, Random random, CancellationToken cancellationToken = default)
    {
        var merged = new RowKeySketches(schema, random: random);
        var fromSketches = 0;
        foreach (var file in files)
        {
            var (sketches, fromFile) = await SketchFileAsync(file, schema, random, cancellationToken).ConfigureAwait(false);
            merged.Merge(sketches);
            fromSketches += fromFile ? 1 : 0;
        }
        return new Result(merged, files.Count, fromSketches);
    }

    public static async Task<(RowKeySketches Sketches, bool FromSketchesFile)> SketchFileAsync(
        string path, TableSchema schema, Random random, CancellationToken cancellationToken = default)
    {
        // Opening checks every field of the schema against the file's columns, so a file that could not be
        // ingested into the table is refused here too, naming the field.
        using var reader = SortedParquetReader.Open(path, schema, preBuffer: false);
        var sketchesPath = SketchesFile.PathFor(reader.Path);
        if (File.Exists(sketchesPath))
        {
            try
            {
                var stored = await SketchesFile.ReadAsync(sketchesPath, schema, cancellationToken).ConfigureAwait(false);
                // The same row count is the check that the sketches are of this file's rows and not left over
                // from another file of the same name.
                if (stored.RowCount == reader.RowCount)
                {
                    return (stored, true);
                }
            }
            catch (SleeperException)
            {
                // Sketches of other key fields or a damaged file: reading the keys themselves is always right.
            }
        }
        var sketches = new RowKeySketches(schema, random: random);
        var keyColumns = schema.RowKeyFields.Select(f => f.Name).ToList();
        await foreach (var batch in reader.ReadAllAsync(keyColumns, cancellationToken).ConfigureAwait(false))
        {
            using (batch)
            {
                for (var i = 0; i < schema.RowKeyFields.Count; i++)
                {
                    var nulls = batch.Column(i).NullCount;
                    if (nulls > 0)
                    {
                        throw new SleeperException($"Parquet file '{reader.Path}': row key '{schema.RowKeyFields[i].Name}' is null in {nulls} row(s); row keys may not be null.");
                    }
                }
                sketches.UpdateFromBatch(batch);
            }
        }
        return (sketches, false);
    }
}
