using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Apache.Arrow;
using Microsoft.Extensions.Logging;
using Sleeper.BulkImport;
using Sleeper.Core;
using Sleeper.Core.Batches;
using Sleeper.Core.Ingest.Batcher;
using Sleeper.Core.Iterators;
using Sleeper.Core.Jobs;
using Sleeper.Core.Partitions;
using Sleeper.Core.Properties;
using Sleeper.Core.Query;
using Sleeper.Core.Schema;
using Sleeper.Core.Tables;
using Sleeper.Core.Tracking;
using Sleeper.Ingest;
using Sleeper.Ingest.Batcher;
using Sleeper.Ingest.Input;
using Sleeper.Instance;
using Sleeper.Query;

namespace Sleeper.Client;

/// <summary>
/// Sleeper from any .NET program: the operations of Sleeper's Java and Python clients on one instance, either a
/// folder (embedded) or <c>s3://bucket/prefix</c> with its state in PostgreSQL. Tables are created, listed and
/// deleted; rows are written in batches; files are ingested now, queued as ingest or bulk import jobs, or handed to
/// the ingest batcher; and tables are queried by exact key, range or region, with authorisations, as rows or as
/// Arrow record batches.
/// </summary>
/// <remarks>
/// <para>
/// Everything is built by <see cref="SleeperInstance"/>, the composition root the CLI and the workers use too, and
/// every operation calls the same capability (<see cref="IngestRunner"/>, <see cref="IngestJobSubmitter"/>,
/// <see cref="BulkImportRunner"/>, <see cref="QueryExecutor"/>, …) as the matching <c>sleeper</c> command.
/// </para>
/// <para>
/// One client may be used from many threads at once: queries run concurrently. Each table is opened once and kept
/// (its state store follows the table's log, so every query sees the latest commit); a table deleted through this
/// client is forgotten, but one deleted or changed by another process is seen by a new client.
/// </para>
/// </remarks>
public sealed class SleeperClient : IAsyncDisposable
{
    private readonly bool _ownsInstance;
    private readonly ConcurrentDictionary<string, Lazy<Task<SleeperTable>>> _tables = new(StringComparer.Ordinal);
    private readonly ConditionalWeakTable<SleeperTable, QueryExecutor> _executors = new();
    private readonly IteratorLoader _iterators;

    /// <summary>A client over an instance already open; disposing the client disposes the instance only when <paramref name="ownsInstance"/>.</summary>
    public SleeperClient(SleeperInstance instance, bool ownsInstance = false)
    {
        Instance = instance;
        _ownsInstance = ownsInstance;
        _iterators = IteratorLoader.FromInstanceProperties(instance.Properties);
    }

    /// <summary>The instance this client works on, for what the client does not cover (trackers, queues, properties).</summary>
    public SleeperInstance Instance { get; }

    /// <summary>
    /// Opens the instance at a folder or at <c>s3://bucket/prefix</c> (through the S3 endpoint of the environment,
    /// <c>SLEEPER_S3_ENDPOINT</c>, with the standard AWS credentials; its state in the PostgreSQL its properties name).
    /// </summary>
    public static async Task<SleeperClient> OpenAsync(string location, TimeProvider? time = null, ILoggerFactory? logging = null,
        CancellationToken cancellationToken = default) =>
        new(await SleeperInstance.OpenAsync(location, time, cancellationToken, logging), ownsInstance: true);

    /// <summary>
    /// Creates a new instance and opens it: a folder (embedded, unless <paramref name="postgresUrl"/> puts its state in
    /// PostgreSQL), or <c>s3://bucket/prefix</c> with its state in PostgreSQL. An error if one is there already.
    /// </summary>
    /// <param name="postgresUrl"><c>postgresql://USER@HOST:PORT/DATABASE</c>, without a password (give it in PGPASSWORD or ~/.pgpass).</param>
    /// <param name="s3Endpoint">An S3-compatible endpoint; null for the environment's, else AWS.</param>
    public static async Task<SleeperClient> CreateInstanceAsync(string location, string? postgresUrl = null, Uri? s3Endpoint = null,
        TimeProvider? time = null, ILoggerFactory? logging = null, CancellationToken cancellationToken = default) =>
        new(await SleeperInstance.CreateAsync(location, postgresUrl, s3Endpoint, time, cancellationToken, logging), ownsInstance: true);

    // ---- Tables --------------------------------------------------------------------------------------------------

    /// <summary>Every table of the instance, with its id and whether it is online, in name order.</summary>
    public async Task<IReadOnlyList<TableStatus>> ListTablesAsync(CancellationToken cancellationToken = default) =>
        (await Instance.ListTablesAsync(cancellationToken)).OrderBy(t => t.TableName, StringComparer.Ordinal).ToList();

    public async Task<bool> TableExistsAsync(string name, CancellationToken cancellationToken = default) =>
        await Instance.TableIndex.GetByNameAsync(name, cancellationToken) is not null;

    /// <summary>A table's schema; <see cref="TableNotFoundException"/> if there is no such table.</summary>
    public async Task<TableSchema> GetSchemaAsync(string name, CancellationToken cancellationToken = default) =>
        (await OpenTableAsync(name, requireOnline: false, cancellationToken)).Schema;

    /// <summary>The properties set on a table (those left at their defaults are not listed).</summary>
    public async Task<IReadOnlyDictionary<string, string>> GetTablePropertiesAsync(string name, CancellationToken cancellationToken = default) =>
        new Dictionary<string, string>((await OpenTableAsync(name, requireOnline: false, cancellationToken)).Properties.SetValues, StringComparer.Ordinal);

    /// <summary>
    /// Creates a table, as <c>sleeper table create</c> does. Split points (values of the first row key) make it start
    /// with that many more leaf partitions; properties are table properties by name, including Sleeper's own (those
    /// that mean nothing here are logged as warnings, a misspelt one is an error).
    /// </summary>
    public async Task CreateTableAsync(string name, TableSchema schema, IEnumerable<object>? splitPoints = null,
        IReadOnlyDictionary<string, string>? properties = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(schema);
        var given = new TableCreationProperties();
        foreach (var (key, value) in properties ?? new Dictionary<string, string>())
        {
            given.SetFromAssignment($"{key}={value}");
        }
        given.CheckTableName(name);
        var logger = Instance.Logging.CreateLogger<SleeperClient>();
        foreach (var warning in given.Warnings)
        {
            logger.LogWarning("{Warning}", warning);
        }
        var partitions = PartitionsBuilder.SingleRoot(schema);
        if (splitPoints is not null)
        {
            var field = schema.RowKeyFields[0];
            var points = splitPoints.Select((p, i) => QueryRequests.KeyValue(name, field, p, $"Split point {i}")).ToList();
            partitions = PartitionsBuilder.FromSplitPoints(schema, points);
        }
        else if (given.ChooseSplitsFile(null) is { } file)
        {
            var points = SplitPoints.Parse(await File.ReadAllTextAsync(file, cancellationToken), schema,
                given.Properties.GetBool(TableProperty.SplitsBase64Encoded), file);
            partitions = PartitionsBuilder.FromSplitPoints(schema, points);
        }
        await Instance.CreateTableAsync(name, schema, given.Properties, partitions, cancellationToken);
        if (!given.Online)
        {
            await Instance.SetOnlineAsync(name, false, cancellationToken);
        }
    }

    /// <summary>Deletes a table and all its data; <see cref="TableNotFoundException"/> if there is no such table.</summary>
    public async Task DeleteTableAsync(string name, CancellationToken cancellationToken = default)
    {
        _tables.TryRemove(name, out _);
        await Instance.DeleteTableAsync(name, cancellationToken);
    }

    // ---- Writing rows --------------------------------------------------------------------------------------------

    /// <summary>
    /// Writes rows (values in the schema's field order) to a table in one commit, as Python's <c>write_single_batch</c>:
    /// all are checked first, and a row that does not fit the schema (<see cref="RowValidationException"/>) stops
    /// the write with nothing committed.
    /// </summary>
    public async Task<IngestResult> WriteAsync(string table, IEnumerable<Row> rows, CancellationToken cancellationToken = default)
    {
        var opened = await OpenTableAsync(table, requireOnline: true, cancellationToken);
        var writer = new SleeperBatchWriter(opened, ScratchFolder, maxBufferedBytes: long.MaxValue);
        await writer.AddAsync(rows, cancellationToken);
        var result = await writer.FlushAsync(cancellationToken);
        await writer.DisposeAsync();
        return result;
    }

    /// <summary>Writes an Arrow batch (a column per field, matched by name) to a table in one commit; the batch stays the caller's.</summary>
    public async Task<IngestResult> WriteAsync(string table, RecordBatch batch, CancellationToken cancellationToken = default)
    {
        var opened = await OpenTableAsync(table, requireOnline: true, cancellationToken);
        var conformed = TableBatches.Conform(batch, opened.Schema, opened.Name);
        return await new IngestRunner(opened, ScratchFolder).IngestBatchesAsync([conformed], cancellationToken: cancellationToken);
    }

    /// <summary>
    /// Opens a batch writer (Python's <c>create_batch_writer</c>): add rows or batches, flush to commit them, dispose
    /// to commit the rest. Each flush is one commit.
    /// </summary>
    /// <param name="maxBufferedBytes">Rows held before a flush happens by itself; the table's <c>sleeper.table.ingest.memory.bytes</c> when null.</param>
    public async Task<SleeperBatchWriter> OpenBatchWriterAsync(string table, long? maxBufferedBytes = null, CancellationToken cancellationToken = default) =>
        new(await OpenTableAsync(table, requireOnline: true, cancellationToken), ScratchFolder, maxBufferedBytes);

    // ---- Files ---------------------------------------------------------------------------------------------------

    /// <summary>
    /// Ingests files now, in this process, as <c>sleeper ingest</c>: Parquet, CSV or JSON lines (by extension unless
    /// <paramref name="format"/> says), local paths, folders or <c>s3://</c> URIs; all their rows in one commit.
    /// </summary>
    public async Task<IngestResult> IngestFilesAsync(string table, IEnumerable<string> paths, string? format = null, CancellationToken cancellationToken = default)
    {
        var opened = await OpenTableAsync(table, requireOnline: true, cancellationToken);
        var inputs = await IngestInputs.ResolveAsync(RequireFiles(paths), format, Instance.InputFiles, cancellationToken: cancellationToken);
        return await new IngestRunner(opened, ScratchFolder).IngestAsync(inputs, cancellationToken: cancellationToken);
    }

    /// <summary>
    /// Queues an ingest job for the files (<c>sleeper ingest submit</c>), for an ingest worker to run; returns the
    /// job's id. The files are checked now, so a missing one is reported here rather than by the worker.
    /// </summary>
    public async Task<string> SubmitIngestJobAsync(string table, IEnumerable<string> paths, CancellationToken cancellationToken = default)
    {
        var status = await Instance.GetTableStatusAsync(table, cancellationToken);
        var job = await new IngestJobSubmitter(Instance.Queue(QueueNames.Ingest), Instance.IngestTracker, Instance.InputFiles, Instance.Time)
            .SubmitAsync(status, RequireFiles(paths), cancellationToken);
        return job.Id;
    }

    /// <summary>
    /// Hands files to the ingest batcher (<c>sleeper ingest batch</c>), then runs one batching round for the table,
    /// which sends them in ingest or bulk import jobs once the table's batcher properties say there are enough (or at
    /// once with <paramref name="flush"/>).
    /// </summary>
    public async Task<IngestBatcherSubmission> SendToIngestBatcherAsync(string table, IEnumerable<string> paths, bool flush = false,
        CancellationToken cancellationToken = default)
    {
        var opened = await OpenTableAsync(table, requireOnline: false, cancellationToken);
        var store = Instance.IngestBatcher;
        var requests = await IngestBatcherFiles.ResolveAsync(RequireFiles(paths), opened.Id, Instance.Time.GetUtcNow(), Instance.InputFiles, cancellationToken);
        var added = await store.AddFilesAsync(opened.Id, requests, cancellationToken);
        var run = await new IngestBatcherRunner(store, Instance.Queue, Instance.Time).RunAsync(opened.Id, opened.Properties, flush, cancellationToken);
        return new IngestBatcherSubmission(added, run);
    }

    /// <summary>
    /// Bulk imports files now, with every core (<c>sleeper bulk-import</c>): pre-splits a table with too few leaves,
    /// sorts per leaf, writes a file per leaf and commits them at once.
    /// </summary>
    public async Task<BulkImportResult> BulkImportAsync(string table, IEnumerable<string> paths, string? format = null, BulkImportOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        var opened = await OpenTableAsync(table, requireOnline: true, cancellationToken);
        var inputs = await IngestInputs.ResolveAsync(RequireFiles(paths), format, Instance.InputFiles, cancellationToken: cancellationToken);
        options ??= new BulkImportOptions { ScratchRoot = ScratchFolder };
        return await new BulkImportRunner(opened, options).ImportAsync(inputs, cancellationToken: cancellationToken);
    }

    /// <summary>Queues a bulk import job for the files (<c>sleeper bulk-import submit</c>), for a bulk import worker; returns its id.</summary>
    public async Task<string> SubmitBulkImportJobAsync(string table, IEnumerable<string> paths, CancellationToken cancellationToken = default)
    {
        var opened = await OpenTableAsync(table, requireOnline: true, cancellationToken);
        var job = await new BulkImportJobSubmitter(Instance.Queue(QueueNames.BulkImport), Instance.BulkImportTracker, Instance.InputFiles, Instance.Time)
            .SubmitAsync(opened.Status, RequireFiles(paths), cancellationToken);
        return job.Id;
    }

    // ---- Queries -------------------------------------------------------------------------------------------------

    /// <summary>
    /// The rows the query selects, in key then sort-key order, each once, holding <see cref="SleeperQuery.Fields"/>
    /// (every field by default) in that order. They stream: nothing is held beyond the batch being read.
    /// </summary>
    public async IAsyncEnumerable<Row> QueryAsync(string table, SleeperQuery query, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var batch in QueryBatchesAsync(table, query, cancellationToken))
        {
            using (batch)
            {
                for (var i = 0; i < batch.Length; i++)
                {
                    yield return BatchRows.GetRow(batch, i);
                }
            }
        }
    }

    /// <summary>
    /// As <see cref="QueryAsync"/>, as Arrow record batches of the requested fields, in key order. Each batch is the
    /// caller's to dispose.
    /// </summary>
    public async IAsyncEnumerable<RecordBatch> QueryBatchesAsync(string table, SleeperQuery query, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        var opened = await OpenTableAsync(table, requireOnline: true, cancellationToken);
        var request = QueryRequests.Build(opened.Name, opened.Schema, query);
        // One executor per open table serves all its queries, concurrent ones too, with the caches it keeps.
        var executor = _executors.GetValue(opened, t => new QueryExecutor(t, Instance.Time, _iterators));
        await foreach (var batch in executor.RunAsync(request, cancellationToken))
        {
            yield return batch;
        }
    }

    // ---- Queued queries ------------------------------------------------------------------------------------------

    /// <summary>
    /// Puts the query on the instance's query queue and returns its query id (<see cref="SleeperQuery.QueryId"/> when
    /// given, otherwise a new one). A query worker (<c>sleeper worker query</c>, or a <see cref="QueryWorker"/> in a
    /// program) splits it into one sub-query per leaf partition and writes each one's rows to
    /// <c>query-results/&lt;queryId&gt;/</c> in the instance's store (or only counts them, for
    /// <see cref="QueryDestination.Discard"/>). The authorisations travel with the query.
    /// </summary>
    public async Task<string> SubmitQueryAsync(string table, SleeperQuery query, QueryDestination destination = QueryDestination.Store,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        var opened = await OpenTableAsync(table, requireOnline: true, cancellationToken);
        var request = QueryRequests.Build(opened.Name, opened.Schema, query);
        return await new QuerySubmitter(Instance.Queue(QueueNames.Query), Instance.QueryTracker, Instance.Time, _iterators)
            .SubmitAsync(opened, request, destination, cancellationToken);
    }

    /// <summary>Where a queued query has got to: its state, its sub-queries, rows returned and timings.</summary>
    public Task<QueryStatus> GetQueryStatusAsync(string queryId, CancellationToken cancellationToken = default) =>
        QueuedResults.GetStatusAsync(queryId, cancellationToken);

    /// <summary>
    /// Waits until a queued query has finished (completed, failed or partially failed) and returns its status. It only
    /// waits: a query worker must be running somewhere for the query to finish.
    /// </summary>
    public Task<QueryStatus> WaitForQueryAsync(string queryId, TimeSpan? pollInterval = null, CancellationToken cancellationToken = default) =>
        QueuedResults.WaitAsync(queryId, pollInterval, Instance.Time, cancellationToken);

    /// <summary>
    /// The rows a queued query wrote, as record batches, each file in key order; an error unless the query has
    /// completed, or with <paramref name="requireComplete"/> false, whatever has been written so far.
    /// </summary>
    public IAsyncEnumerable<RecordBatch> ReadQueryResultsAsync(string queryId, bool requireComplete = true, CancellationToken cancellationToken = default) =>
        QueuedResults.ReadAsync(queryId, requireComplete, cancellationToken);

    /// <summary>As <see cref="ReadQueryResultsAsync"/>, as rows.</summary>
    public async IAsyncEnumerable<Row> ReadQueryResultRowsAsync(string queryId, bool requireComplete = true,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var batch in ReadQueryResultsAsync(queryId, requireComplete, cancellationToken))
        {
            using (batch)
            {
                for (var i = 0; i < batch.Length; i++)
                {
                    yield return BatchRows.GetRow(batch, i);
                }
            }
        }
    }

    /// <summary>Deletes a queued query's results files; returns how many there were.</summary>
    public Task<int> DeleteQueryResultsAsync(string queryId, CancellationToken cancellationToken = default) =>
        QueuedResults.DeleteAsync(queryId, cancellationToken);

    private QueryResults QueuedResults => new(Instance.Objects, Instance.QueryTracker);

    public async ValueTask DisposeAsync()
    {
        _tables.Clear();
        if (_ownsInstance)
        {
            await Instance.DisposeAsync();
        }
    }

    private string? ScratchFolder => Instance.Properties.Get(InstanceProperty.IngestScratchFolder);

    private static IReadOnlyList<string> RequireFiles(IEnumerable<string> paths)
    {
        var list = paths.ToList();
        if (list.Count == 0)
        {
            throw new SleeperException("Give at least one file or folder.");
        }
        if (list.Contains("-"))
        {
            throw new SleeperException("'-' (standard input) is a command-line convention; give the client files or folders, or write rows with WriteAsync.");
        }
        return list;
    }

    /// <summary>The table, opened once per client (see the remarks above); an offline table is an error where the CLI's is.</summary>
    private async Task<SleeperTable> OpenTableAsync(string name, bool requireOnline, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        var lazy = _tables.GetOrAdd(name, n => new Lazy<Task<SleeperTable>>(() => Instance.OpenTableAsync(n, cancellationToken: CancellationToken.None)));
        SleeperTable table;
        try
        {
            table = await lazy.Value.WaitAsync(cancellationToken);
        }
        catch (Exception) when (!cancellationToken.IsCancellationRequested)
        {
            // Not kept: a table created later under the name is found then.
            _tables.TryRemove(new KeyValuePair<string, Lazy<Task<SleeperTable>>>(name, lazy));
            throw;
        }
        if (requireOnline && !table.Status.Online)
        {
            // The status kept may be old: ask again before refusing.
            _tables.TryRemove(new KeyValuePair<string, Lazy<Task<SleeperTable>>>(name, lazy));
            table = await Instance.OpenTableAsync(name, requireOnline: true, cancellationToken);
        }
        return table;
    }
}

/// <summary>What handing files to the ingest batcher did: the files added (a file already pending is not added twice) and the batching round that followed.</summary>
public sealed record IngestBatcherSubmission(IReadOnlyList<FileIngestRequest> Added, IngestBatcherRunResult Run);
