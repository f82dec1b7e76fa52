using System.Runtime.CompilerServices;
using Apache.Arrow;
using ParquetSharp;
using ParquetSharp.Arrow;
using ParquetSharp.IO;
using Sleeper.Core;
using Sleeper.Core.Batches;
using Sleeper.Core.Storage;
using Field = Sleeper.Core.Schema.Field;

namespace Sleeper.Parquet;

/// <summary>
/// The Parquet files of a queued query's results, written and read through the storage port: the rows of one
/// sub-query, in key order, with the fields the query returns. They are written as the table writes its own
/// files (its codec, level, row group and page sizes), but with no sketches, since they are no table's files.
/// </summary>
public static class QueryResultsParquet
{
    /// <summary>
    /// Writes the batches to the object <paramref name="name"/>, replacing what an earlier attempt of the same
    /// sub-query left there; the object appears whole on commit, also when there are no rows (a file with the fields
    /// and no row groups), so an empty result is a result. Returns the rows written.
    /// </summary>
    /// <param name="fields">The fields of the batches, in order.</param>
    public static async Task<long> WriteAsync(IObjectStore store, string name, IReadOnlyList<Field> fields, ParquetWriteSettings settings,
        IAsyncEnumerable<RecordBatch> batches, CancellationToken cancellationToken = default)
    {
        // A sub-query run again after its worker died re-runs from scratch; the earlier file is not a result until
        // the tracker says so, and the tracker only ever names the newest run's.
        await store.DeleteAsync(name, cancellationToken).ConfigureAwait(false);
        var schema = new Schema(fields.Select(ArrowSchemas.ToArrow), null);
        await using var write = await store.StartWriteAsync(name, cancellationToken).ConfigureAwait(false);
        long rows = 0;
        using (var writerProperties = BuildWriterProperties(settings, fields))
        using (var arrowProperties = new ArrowWriterPropertiesBuilder().StoreSchema().Build())
        {
            FileWriter writer;
            try
            {
                writer = new FileWriter(write.StagingPath, schema, writerProperties, arrowProperties);
            }
            catch (ParquetException e)
            {
                throw new SleeperException($"Could not create query results file '{name}': {ParquetErrors.Message(e)}", e);
            }
            using (writer)
            {
                try
                {
                    await foreach (var batch in batches.WithCancellation(cancellationToken).ConfigureAwait(false))
                    {
                        using (batch)
                        {
                            if (batch.Length == 0)
                            {
                                continue;
                            }
                            writer.WriteBufferedRecordBatch(new RecordBatch(schema, batch.Arrays, batch.Length));
                            rows += batch.Length;
                        }
                    }
                    writer.Close();
                }
                catch (ParquetException e)
                {
                    throw new SleeperException($"Could not write query results file '{name}': {ParquetErrors.Message(e)}", e);
                }
            }
        }
        await write.CommitAsync(cancellationToken).ConfigureAwait(false);
        return rows;
    }

    /// <summary>The rows of a results file, as batches in the order written.</summary>
    public static async IAsyncEnumerable<RecordBatch> ReadAsync(IObjectStore store, string name, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var stream = await store.OpenReadAsync(name, cancellationToken).ConfigureAwait(false);
        using var source = new ManagedRandomAccessFile(stream, leaveOpen: false);
        FileReader reader;
        try
        {
            reader = new FileReader(source);
        }
        catch (ParquetException e)
        {
            throw new SleeperException($"'{name}' in {store.Location} is not a readable Parquet file: {ParquetErrors.Message(e)}", e);
        }
        using (reader)
        {
            using var batches = reader.GetRecordBatchReader();
            while (await batches.ReadNextRecordBatchAsync(cancellationToken).ConfigureAwait(false) is { } batch)
            {
                yield return batch;
            }
        }
    }

    private static WriterProperties BuildWriterProperties(ParquetWriteSettings settings, IReadOnlyList<Field> fields)
    {
        using var builder = new WriterPropertiesBuilder();
        builder
            .CreatedBy(ParquetWriteSettings.CreatedBy)
            .Compression(settings.Compression)
            .MaxRowGroupLength(settings.RowGroupRowsMax)
            .DataPagesize(settings.PageSize)
            .EnableStatistics()
            .DisableDictionary();
        if (settings.Compression is Compression.Zstd or Compression.Gzip or Compression.Brotli)
        {
            builder.CompressionLevel(settings.CompressionLevel);
        }
        // The rows are sorted by the table's key fields; say so for as many of them as lead the output in order.
        var keys = settings.Schema.RowKeyFields.Concat(settings.Schema.SortKeyFields).Select(f => f.Name).ToList();
        var sorted = 0;
        while (sorted < keys.Count && sorted < fields.Count && fields[sorted].Name == keys[sorted])
        {
            sorted++;
        }
        if (sorted > 0)
        {
            builder.SortingColumns(Enumerable.Range(0, sorted).Select(i => new WriterProperties.SortingColumn(i, isDescending: false, nullsFirst: false)).ToArray());
        }
        return builder.Build();
    }
}
