using Sleeper.Core.Storage;

namespace Sleeper.Parquet;

/// <summary>A table's data files as objects of the storage port: each <c>.parquet</c> with its <c>.sketches</c>.</summary>
public static class DataFiles
{
    /// <summary>
    /// Deletes a data file that was written but will never be committed, with its sketches. A failure is
    /// swallowed: nothing references the file, so it is only wasted space that orphan collection removes.
    /// </summary>
    public static async Task DeleteUncommittedAsync(IObjectStore store, string name, CancellationToken cancellationToken = default)
    {
        foreach (var file in new[] { name, SketchesFile.PathFor(name) })
        {
            try
            {
                await store.DeleteAsync(file, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Unreferenced, so garbage: an orphan sweep can remove it later.
            }
        }
    }
}
