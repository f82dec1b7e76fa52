using System.Runtime.CompilerServices;
using Apache.Arrow;
using ParquetSharp;
using ParquetSharp.Arrow;
using ParquetSharp.IO;
using Sleeper.Core;
using Sleeper.Core.Batches;
using Sleeper.Core.Schema;
using Sleeper.Core.Storage;
using Sleeper.Parquet.Footers;
using Field = Sleeper.Core.Schema.Field;

namespace Sleeper.Parquet;

/// <summary>
/// Reads a table's Parquet file: checks its columns against the table schema, exposes the row groups' key
/// ranges so a query can skip row groups, and streams chosen row groups as Arrow batches.
/// </summary>
public sealed class SortedParquetReader : IDisposable
{
    private readonly FileReader _reader;
    private readonly int[] _fileFieldIndex;
    private IDisposable? _source;

    private SortedParquetReader(string path, TableSchema schema, FileReader reader, IDisposable? source = null)
    {
        _source = source;
        Path = path;
        Schema = schema;
        _reader = reader;
        var arrowSchema = reader.Schema;
        _fileFieldIndex = new int[schema.AllFields.Count];
        for (var i = 0; i < schema.AllFields.Count; i++)
        {
            var field = schema.AllFields[i];
            var index = arrowSchema.GetFieldIndex(field.Name, StringComparer.Ordinal);
            if (index < 0)
            {
                throw new SleeperException($"Parquet file '{path}' has no column for field '{field.Name}'.");
            }
            var actual = arrowSchema.GetFieldByIndex(index).DataType;
            if (!ArrowSchemas.Matches(field.Type, actual))
            {
                throw new SleeperException($"Parquet file '{path}': field '{field.Name}' should be {field.Type.Name} but the file has {actual.Name}.");
            }
            _fileFieldIndex[i] = index;
        }
        RowGroups = ReadRowGroupInfo();
        RowCount = RowGroups.Sum(g => g.RowCount);
    }

    public string Path { get; }

    public TableSchema Schema { get; }

    public IReadOnlyList<RowGroupInfo> RowGroups { get; }

    public long RowCount { get; }

    /// <summary>Opens a file, throwing <see cref="SleeperException"/> naming it if it is missing, not Parquet, or not of the schema.</summary>
    /// <param name="preBuffer">
    /// Read the byte ranges of all the chosen row groups up front, coalesced: fewer requests on a high-latency store,
    /// but memory for all of them at once. A reader that streams a whole file (compaction) turns it off so that it
    /// holds only the row group it is on.
    /// </param>
    /// <param name="batchRows">The most rows in one batch read; smaller batches hold less memory per reader.</param>
    public static SortedParquetReader Open(string path, TableSchema schema, bool preBuffer = true, int batchRows = 64 * 1024)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchRows, 1);
        path = System.IO.Path.GetFullPath(path);
        if (!File.Exists(path))
        {
            throw new SleeperException($"Parquet file '{path}' does not exist.");
        }
        FileReader? reader = null;
        try
        {
            using var arrowProperties = ArrowReaderProperties.GetDefault();
            arrowProperties.BatchSize = batchRows;
            arrowProperties.PreBuffer = preBuffer;
            using var readerProperties = ReaderProperties.GetDefaultReaderProperties();
            reader = new FileReader(path, readerProperties, arrowProperties);
            return new SortedParquetReader(path, schema, reader);
        }
        catch (ParquetException e)
        {
            reader?.Dispose();
            throw new SleeperException($"'{path}' is not a readable Parquet file: {ParquetErrors.Message(e)}", e);
        }
        catch
        {
            reader?.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Opens a table's data file through the store: by its local path when the store has one (the native
    /// reader is fastest on a path), else through a seekable stream of the object. Errors as <see cref="Open"/>.
    /// </summary>
    public static Task<SortedParquetReader> OpenAsync(IObjectStore store, string name, TableSchema schema, bool preBuffer = true, int batchRows = 64 * 1024, CancellationToken cancellationToken = default) =>
        OpenAsync(store, name, schema, footers: null, preBuffer, batchRows, cancellationToken);

    /// <summary>
    /// As <see cref="OpenAsync(IObjectStore, string, TableSchema, bool, int, CancellationToken)"/>, keeping the
    /// footers of objects read through a stream in <paramref name="footers"/>: a file whose footer is there opens
    /// with no request at all, and its reader fetches only the row groups it reads.
    /// </summary>
    /// <remarks>
    /// The footer is read here, before the native reader starts, rather than by it: the reader is then told to
    /// read exactly the footer's length from the end (which this stream answers from memory), cached or not, so a
    /// cold and a warm open differ only in the requests for the length and the footer.
    /// </remarks>
    /// <param name="footers">Where footers are kept and looked up; null to keep none.</param>
    public static async Task<SortedParquetReader> OpenAsync(IObjectStore store, string name, TableSchema schema, ParquetFooterCache? footers,
        bool preBuffer = true, int batchRows = 64 * 1024, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchRows, 1);
        if (store.LocalPathOf(name) is { } path)
        {
            return Open(path, schema, preBuffer, batchRows);
        }
        var footer = footers?.Find(store.Location, name);
        Stream stream;
        try
        {
            stream = footer is null
                ? await store.OpenReadAsync(name, cancellationToken).ConfigureAwait(false)
                : await store.OpenReadAsync(name, footer.FileLength, cancellationToken).ConfigureAwait(false);
        }
        catch (ObjectNotFoundException e)
        {
            throw new SleeperException($"Parquet file '{name}' does not exist in {store.Location}.", e);
        }
        try
        {
            if (footer is null)
            {
                footer = await ParquetFooter.ReadAsync(stream, cancellationToken).ConfigureAwait(false);
                if (footer is not null)
                {
                    footers?.Add(store.Location, name, footer);
                }
            }
            if (footer is not null)
            {
                stream = new FooterServingStream(stream, footer);
            }
        }
        catch (ObjectNotFoundException e)
        {
            await stream.DisposeAsync().ConfigureAwait(false);
            throw new SleeperException($"Parquet file '{name}' does not exist in {store.Location}.", e);
        }
        catch
        {
            await stream.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        return FromStream(stream, name, $"'{name}' in {store.Location}", schema, preBuffer, batchRows, footer);
    }

    /// <summary>
    /// Opens a Parquet file through a seekable stream, which the reader owns from then on (it is disposed with the
    /// reader, or here if opening fails): for files that are neither a table's data files nor on a local path,
    /// such as ingest inputs on S3. <paramref name="name"/> names the file in errors.
    /// </summary>
    public static SortedParquetReader Open(Stream stream, string name, TableSchema schema, bool preBuffer = true, int batchRows = 64 * 1024)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchRows, 1);
        return FromStream(stream, name, $"'{name}'", schema, preBuffer, batchRows, footer: null);
    }

    /// <param name="footer">When given, the stream answers its footer from memory and the reader reads exactly that much from the end.</param>
    private static SortedParquetReader FromStream(Stream stream, string name, string described, TableSchema schema, bool preBuffer, int batchRows, ParquetFooter? footer)
    {
        ManagedRandomAccessFile? source = null;
        FileReader? reader = null;
        try
        {
            source = new ManagedRandomAccessFile(stream, leaveOpen: false);
            using var arrowProperties = ArrowReaderProperties.GetDefault();
            arrowProperties.BatchSize = batchRows;
            arrowProperties.PreBuffer = preBuffer;
            using var readerProperties = ReaderProperties.GetDefaultReaderProperties();
            if (footer is not null)
            {
                readerProperties.SetFooterReadSize(footer.Tail.Length);
            }
            reader = new FileReader(source, readerProperties, arrowProperties);
            return new SortedParquetReader(name, schema, reader, source);
        }
        catch (ParquetException e)
        {
            reader?.Dispose();
            source?.Dispose();
            throw new SleeperException($"{described} is not a readable Parquet file: {ParquetErrors.Message(e)}", e);
        }
        catch
        {
            reader?.Dispose();
            if (source is null)
            {
                stream.Dispose();
            }
            source?.Dispose();
            throw;
        }
    }

    public IAsyncEnumerable<RecordBatch> ReadAllAsync(IReadOnlyList<string>? columns = null, CancellationToken cancellationToken = default) =>
        ReadRowGroupsAsync(Enumerable.Range(0, RowGroups.Count).ToArray(), columns, cancellationToken);

    /// <summary>
    /// Streams the given row groups in the order given. With <paramref name="columns"/>, only those fields are
    /// read, in the schema's order whatever order they are named in.
    /// </summary>
    public async IAsyncEnumerable<RecordBatch> ReadRowGroupsAsync(
        IReadOnlyList<int> rowGroups, IReadOnlyList<string>? columns = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        foreach (var g in rowGroups)
        {
            if (g < 0 || g >= RowGroups.Count)
            {
                throw new SleeperException($"Parquet file '{Path}' has {RowGroups.Count} row groups; there is no row group {g}.");
            }
        }
        var fields = SelectFields(columns);
        if (rowGroups.Count == 0 || fields.Length == 0)
        {
            yield break;
        }
        var leaves = new List<int>();
        foreach (var schemaIndex in fields)
        {
            AddLeaves(_reader.SchemaManifest.SchemaField(_fileFieldIndex[schemaIndex]), leaves);
        }
        var expected = new Apache.Arrow.Schema(fields.Select(i => ArrowSchemas.ToArrow(Schema.AllFields[i])), null);
        Apache.Arrow.Ipc.IArrowArrayStream stream;
        try
        {
            // With pre-buffering, the chosen row groups are read here.
            stream = _reader.GetRecordBatchReader(rowGroups.ToArray(), leaves.ToArray());
        }
        catch (ParquetException e)
        {
            throw new SleeperException($"Could not read Parquet file '{Path}': {ParquetErrors.Message(e)}", e);
        }
        using var _ = stream;
        while (true)
        {
            RecordBatch? batch;
            try
            {
                batch = await stream.ReadNextRecordBatchAsync(cancellationToken).ConfigureAwait(false);
            }
            // Errors while decoding come through Arrow's C stream interface as plain Exceptions.
            catch (Exception e) when (e is ParquetException || e.GetType() == typeof(Exception))
            {
                throw new SleeperException($"Could not read Parquet file '{Path}': {ParquetErrors.Message(e)}", e);
            }
            if (batch is null)
            {
                yield break;
            }
            yield return InSchemaOrder(batch, expected);
        }
    }

    public void Dispose()
    {
        _reader.Dispose();
        _source?.Dispose();
        _source = null;
    }

    private int[] SelectFields(IReadOnlyList<string>? columns)
    {
        if (columns is null)
        {
            return Enumerable.Range(0, Schema.AllFields.Count).ToArray();
        }
        var selected = new SortedSet<int>();
        foreach (var name in columns)
        {
            var index = Schema.IndexOf(name);
            if (index < 0)
            {
                throw new SleeperException($"Cannot read column '{name}' of Parquet file '{Path}': the table schema has no such field.");
            }
            selected.Add(index);
        }
        return selected.ToArray();
    }

    private static void AddLeaves(SchemaField field, List<int> leaves)
    {
        if (field.ColumnIndex >= 0)
        {
            leaves.Add(field.ColumnIndex);
        }
        foreach (var child in field.Children)
        {
            AddLeaves(child, leaves);
        }
    }

    // Files written by other tools may order their columns differently; callers always get schema order.
    private static RecordBatch InSchemaOrder(RecordBatch batch, Apache.Arrow.Schema expected)
    {
        var inOrder = batch.ColumnCount == expected.FieldsList.Count;
        for (var i = 0; inOrder && i < batch.ColumnCount; i++)
        {
            inOrder = batch.Schema.GetFieldByIndex(i).Name == expected.GetFieldByIndex(i).Name;
        }
        if (inOrder)
        {
            return batch;
        }
        var arrays = expected.FieldsList.Select(f => batch.Column(batch.Schema.GetFieldIndex(f.Name, StringComparer.Ordinal))).ToArray();
        var schema = new Apache.Arrow.Schema(expected.FieldsList.Select(f => batch.Schema.GetFieldByName(f.Name)), batch.Schema.Metadata);
        return new RecordBatch(schema, arrays, batch.Length);
    }

    private RowGroupInfo[] ReadRowGroupInfo()
    {
        var parquet = _reader.ParquetReader;
        using var metadata = parquet.FileMetaData;
        var groups = new RowGroupInfo[metadata.NumRowGroups];
        for (var g = 0; g < groups.Length; g++)
        {
            using var rowGroup = parquet.RowGroup(g);
            var rowGroupMetadata = rowGroup.MetaData;
            var statistics = new KeyColumnStatistics[Schema.KeyFieldCount];
            for (var i = 0; i < statistics.Length; i++)
            {
                var field = Schema.AllFields[i];
                var column = _reader.SchemaManifest.SchemaField(_fileFieldIndex[i]).ColumnIndex;
                using var chunk = rowGroupMetadata.GetColumnChunkMetaData(column);
                statistics[i] = DecodeStatistics(field, chunk);
            }
            groups[g] = new RowGroupInfo(g, rowGroupMetadata.NumRows, statistics);
        }
        return groups;
    }

    private static KeyColumnStatistics DecodeStatistics(Field field, ColumnChunkMetaData chunk)
    {
        using var statistics = chunk.IsStatsSet ? chunk.Statistics : null;
        if (statistics is null || !statistics.HasMinMax)
        {
            return new KeyColumnStatistics(field, null, null);
        }
        return (field.Type, statistics) switch
        {
            (IntType, Statistics<int> s) => new KeyColumnStatistics(field, s.Min, s.Max),
            (LongType, Statistics<long> s) => new KeyColumnStatistics(field, s.Min, s.Max),
            (StringType, Statistics<ByteArray> s) => new KeyColumnStatistics(field, System.Text.Encoding.UTF8.GetString(Bytes(s.Min)), System.Text.Encoding.UTF8.GetString(Bytes(s.Max))),
            (ByteArrayType, Statistics<ByteArray> s) => new KeyColumnStatistics(field, Bytes(s.Min).ToArray(), Bytes(s.Max).ToArray()),
            _ => new KeyColumnStatistics(field, null, null),
        };
    }

    // The bytes live in the statistics' native memory, so they are copied before it is freed.
    private static unsafe ReadOnlySpan<byte> Bytes(ByteArray value) =>
        value.Length == 0 ? [] : new ReadOnlySpan<byte>((void*)value.Pointer, value.Length);
}
