using Sleeper.Core;
using Sleeper.Core.Schema;
using Sleeper.Core.Sketches;

namespace Sleeper.Parquet;

/// <summary>The <c>.sketches</c> file beside each <c>.parquet</c> file: the quantiles sketch of each row key.</summary>
public static class SketchesFile
{
    public const string Extension = ".sketches";

    public static string PathFor(string parquetPath) => Path.ChangeExtension(parquetPath, Extension);

    /// <summary>Writes the sketches under a temporary name and renames it into place, so readers never see half a file.</summary>
    public static async Task WriteAsync(string path, RowKeySketches sketches, CancellationToken cancellationToken = default)
    {
        var bytes = sketches.Serialize();
        var temporary = TemporaryPath.Beside(path);
        try
        {
            await File.WriteAllBytesAsync(temporary, bytes, cancellationToken).ConfigureAwait(false);
            File.Move(temporary, path, overwrite: false);
        }
        catch (IOException e)
        {
            TemporaryPath.DeleteQuietly(temporary);
            throw new SleeperException($"Could not write sketches file '{path}': {e.Message}", e);
        }
        catch
        {
            TemporaryPath.DeleteQuietly(temporary);
            throw;
        }
    }

    public static async Task<RowKeySketches> ReadAsync(string path, TableSchema schema, CancellationToken cancellationToken = default)
    {
        byte[] bytes;
        try
        {
            bytes = await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new SleeperException($"Could not read sketches file '{path}': {e.Message}", e);
        }
        try
        {
            return RowKeySketches.Deserialize(schema, bytes);
        }
        catch (SleeperException e)
        {
            throw new SleeperException($"Sketches file '{path}': {e.Message}", e);
        }
    }
}
