using Sleeper.Parquet;

namespace Sleeper.Ingest.Output;

/// <summary>Removal of data files that were written but will never be committed.</summary>
internal static class OutputFiles
{
    /// <summary>Deletes a data file and its sketches; a file left behind is harmless, as nothing references it.</summary>
    public static void DeleteQuietly(string path)
    {
        foreach (var file in new[] { path, SketchesFile.PathFor(path) })
        {
            try
            {
                File.Delete(file);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Unreferenced, so garbage: an orphan sweep can remove it later.
            }
        }
    }
}
