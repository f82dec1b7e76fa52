using Sleeper.Core;
using Sleeper.Core.Schema;
using Sleeper.Core.Sketches;
using Sleeper.Core.Storage;

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

    /// <summary>Reads the sketches object of a table's data file, named as the data file is (see <see cref="PathFor"/>).</summary>
    public static async Task<RowKeySketches> ReadAsync(IObjectStore store, string name, TableSchema schema, CancellationToken cancellationToken = default)
    {
        byte[] bytes;
        try
        {
            await using var stream = await store.OpenReadAsync(name, cancellationToken).ConfigureAwait(false);
            using var buffer = new MemoryStream();
            await stream.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
            bytes = buffer.ToArray();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new SleeperException($"Could not read sketches file '{name}' in {store.Location}: {e.Message}", e);
        }
        try
        {
            return RowKeySketches.Deserialize(schema, bytes);
        }
        catch (SleeperException e)
        {
            throw new SleeperException($"Sketches file '{name}': {e.Message}", e);
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
