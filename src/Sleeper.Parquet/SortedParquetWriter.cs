using Apache.Arrow;
using ParquetSharp;
using Sleeper.Core;
using Sleeper.Core.Batches;
using Sleeper.Core.Sketches;
using Sleeper.Core.Storage;
using FileWriter = ParquetSharp.Arrow.FileWriter;

namespace Sleeper.Parquet;

/// <summary>
/// Writes batches already sorted by key to one Parquet file and its sketches file. Nothing is visible under
/// the final names until <see cref="CommitAsync"/>: the sketches file is put in place first, then the
/// Parquet file, so a visible data file always has its sketches. Disposing without committing deletes the
/// temporary files. A table's files are written through the storage port (<see cref="StartAsync"/>); a plain
/// local path (outputs and inputs of the command line and benchmarks) through the constructor.
/// </summary>
public sealed class SortedParquetWriter : IDisposable, IAsyncDisposable
{
    private readonly ParquetWriteSettings _settings;
    private readonly Schema _arrowSchema;
    private readonly string _temporaryPath;
    private readonly IObjectStore? _store;
    private readonly IObjectWrite? _write;
    private FileWriter? _writer;
    private bool _committed;

    /// <summary>Writes a local file: under a hidden temporary name beside <paramref name="path"/>, renamed into place on commit.</summary>
    public SortedParquetWriter(string path, ParquetWriteSettings settings, Random? sketchRandom = null)
        : this(System.IO.Path.GetFullPath(path), settings, sketchRandom, store: null, write: null)
    {
    }

    private SortedParquetWriter(string path, ParquetWriteSettings settings, Random? sketchRandom, IObjectStore? store, IObjectWrite? write)
    {
        Path = path;
        SketchesPath = SketchesFile.PathFor(Path);
        _settings = settings;
        _arrowSchema = ArrowSchemas.ToArrow(settings.Schema);
        Sketches = new RowKeySketches(settings.Schema, random: sketchRandom);
        _store = store;
        _write = write;
        if (write is null && File.Exists(Path))
        {
            throw new SleeperException($"Parquet file '{Path}' already exists.");
        }
        _temporaryPath = write?.StagingPath ?? TemporaryPath.Beside(Path);
        try
        {
            using var writerProperties = settings.BuildWriterProperties();
            using var arrowProperties = settings.BuildArrowWriterProperties();
            _writer = new FileWriter(_temporaryPath, _arrowSchema, writerProperties, arrowProperties);
        }
        catch (ParquetException e)
        {
            TemporaryPath.DeleteQuietly(_temporaryPath);
            throw new SleeperException($"Could not create Parquet file '{Path}': {ParquetErrors.Message(e)}", e);
        }
    }

    /// <summary>
    /// Writes a table's data file <paramref name="name"/> and its sketches through the store: the Parquet file
    /// is written to the write's local staging file and both become objects on <see cref="CommitAsync"/>.
    /// </summary>
    /// <exception cref="ObjectAlreadyExistsException">The data file exists already (here, or on commit if another writer got there first).</exception>
    /// <exception cref="InvalidObjectNameException">The name would leave the instance.</exception>
    public static async Task<SortedParquetWriter> StartAsync(IObjectStore store, string name, ParquetWriteSettings settings, Random? sketchRandom = null, CancellationToken cancellationToken = default)
    {
        if (await store.GetInfoAsync(name, cancellationToken).ConfigureAwait(false) is not null)
        {
            throw new ObjectAlreadyExistsException(store.Location, name);
        }
        var write = await store.StartWriteAsync(name, cancellationToken).ConfigureAwait(false);
        try
        {
            return new SortedParquetWriter(name, settings, sketchRandom, store, write);
        }
        catch
        {
            await write.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Where the file appears on commit: a local path, or the object's name in the store.</summary>
    public string Path { get; }

    /// <summary>Where its sketches appear on commit, in the same form as <see cref="Path"/>.</summary>
    public string SketchesPath { get; }

    public long RowsWritten { get; private set; }

    /// <summary>The sketches of every row written so far.</summary>
    public RowKeySketches Sketches { get; }

    /// <summary>
    /// Appends a batch whose columns follow the table schema. Row groups fill up to the row limit across
    /// batches, and a batch larger than the limit is split over several row groups.
    /// </summary>
    public void Write(RecordBatch batch)
    {
        var writer = _writer ?? throw new InvalidOperationException($"Parquet file '{Path}' is already committed or aborted.");
        if (batch.Length == 0)
        {
            return;
        }
        if (!ReferenceEquals(batch.Schema, _arrowSchema))
        {
            // Checked once per batch, never per row; rewrapping gives the writer exactly the schema it expects.
            CheckColumns(batch);
            batch = new RecordBatch(_arrowSchema, batch.Arrays, batch.Length);
        }
        CheckNoNullsWhereNotNullable(batch);
        if (_settings.EncodeColumnsInParallel)
        {
            // The sketches and the encoding read the same batch and share nothing else, so they overlap.
            try
            {
                Parallel.Invoke(() => Sketches.UpdateFromBatch(batch, sortedByKey: true), () => Encode(writer, batch));
            }
            catch (AggregateException e) when (e.InnerExceptions.Count == 1)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerExceptions[0]).Throw();
            }
        }
        else
        {
            Sketches.UpdateFromBatch(batch, sortedByKey: true);
            Encode(writer, batch);
        }
        RowsWritten += batch.Length;
    }

    private void Encode(FileWriter writer, RecordBatch batch)
    {
        try
        {
            writer.WriteBufferedRecordBatch(batch);
        }
        catch (ParquetException e)
        {
            throw new SleeperException($"Could not write to Parquet file '{Path}': {ParquetErrors.Message(e)}", e);
        }
    }

    /// <summary>Finishes the file, writes its sketches and makes both visible; returns the rows written.</summary>
    public async Task<long> CommitAsync(CancellationToken cancellationToken = default)
    {
        var writer = _writer ?? throw new InvalidOperationException($"Parquet file '{Path}' is already committed or aborted.");
        try
        {
            writer.Close();
        }
        catch (ParquetException e)
        {
            throw new SleeperException($"Could not finish Parquet file '{Path}': {ParquetErrors.Message(e)}", e);
        }
        finally
        {
            writer.Dispose();
            _writer = null;
        }
        if (_write is not null)
        {
            // The sketches may replace a leftover of a killed attempt at this very name: the data file does not
            // exist (checked at the start, and the commit below refuses to replace one), so no file owns it.
            await _store!.WriteAllBytesAsync(SketchesPath, Sketches.Serialize(), cancellationToken).ConfigureAwait(false);
            await _write.CommitAsync(cancellationToken).ConfigureAwait(false);
            _committed = true;
            return RowsWritten;
        }
        await SketchesFile.WriteAsync(SketchesPath, Sketches, cancellationToken).ConfigureAwait(false);
        try
        {
            File.Move(_temporaryPath, Path, overwrite: false);
        }
        catch (IOException e)
        {
            TemporaryPath.DeleteQuietly(SketchesPath);
            throw new SleeperException($"Could not move Parquet file into place at '{Path}': {ParquetErrors.Message(e)}", e);
        }
        _committed = true;
        return RowsWritten;
    }

    /// <remarks>
    /// The staging file of a store's write is a local file whatever the store (the port's contract), and
    /// nothing of the object exists in the store before commit, so deleting it is the whole of an abort.
    /// </remarks>
    public void Dispose()
    {
        _writer?.Dispose();
        _writer = null;
        if (!_committed)
        {
            TemporaryPath.DeleteQuietly(_temporaryPath);
        }
    }

    public async ValueTask DisposeAsync()
    {
        Dispose();
        if (_write is not null)
        {
            await _write.DisposeAsync().ConfigureAwait(false);
        }
    }

    private void CheckColumns(RecordBatch batch)
    {
        var fields = _settings.Schema.AllFields;
        if (batch.ColumnCount != fields.Count)
        {
            throw new SleeperException($"Parquet file '{Path}': a batch has {batch.ColumnCount} columns but the schema has {fields.Count} fields.");
        }
        for (var i = 0; i < fields.Count; i++)
        {
            var field = fields[i];
            var actual = batch.Schema.GetFieldByIndex(i);
            if (actual.Name != field.Name || !ArrowSchemas.Matches(field.Type, actual.DataType))
            {
                throw new SleeperException($"Parquet file '{Path}': column {i} of a batch is '{actual.Name}' ({actual.DataType.Name}) but the schema has field '{field.Name}' ({field.Type.Name}) there.");
            }
        }
    }

    private void CheckNoNullsWhereNotNullable(RecordBatch batch)
    {
        var fields = _settings.Schema.AllFields;
        for (var i = 0; i < fields.Count; i++)
        {
            if (!fields[i].Nullable && batch.Column(i).NullCount > 0)
            {
                throw new SleeperException($"Parquet file '{Path}': field '{fields[i].Name}' is not nullable but a batch has nulls in it.");
            }
        }
    }
}
