using Apache.Arrow;
using ParquetSharp;
using ParquetSharp.Arrow;

namespace Sleeper.Cli.Output;

/// <summary>Writes batches (query results, generated rows) to an ordinary Parquet file (zstd), made visible only when complete.</summary>
public static class ParquetOutputFile
{
    public static async Task<long> WriteAsync(string path, IAsyncEnumerable<RecordBatch> batches, CancellationToken cancellationToken)
    {
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var temp = Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        long rows = 0;
        FileWriter? writer = null;
        try
        {
            using var properties = new WriterPropertiesBuilder().Compression(Compression.Zstd).CompressionLevel(3).Build();
            await foreach (var batch in batches.WithCancellation(cancellationToken))
            {
                using (batch)
                {
                    writer ??= new FileWriter(temp, batch.Schema, properties);
                    writer.WriteRecordBatch(batch);
                    rows += batch.Length;
                }
            }
            if (writer is null)
            {
                return 0;
            }
            writer.Close();
            writer.Dispose();
            writer = null;
            File.Move(temp, full, overwrite: true);
            return rows;
        }
        finally
        {
            writer?.Dispose();
            if (File.Exists(temp))
            {
                File.Delete(temp);
            }
        }
    }
}
