using System.Diagnostics;
using Apache.Arrow;
using Sleeper.BulkImport.Partitioning;
using Sleeper.BulkImport.Reading;
using Sleeper.BulkImport.Sorting;
using Sleeper.BulkImport.Spilling;
using Sleeper.Core.Batches;
using Sleeper.Core.Files;
using Sleeper.Core.Partitions;
using Sleeper.Core.Security;
using Sleeper.Core.StateStore;
using Sleeper.Core.StateStore.Transactions;
using Sleeper.Core.Tables;
using Sleeper.Ingest.Input;
using Sleeper.Parquet;
using Sleeper.Core.Telemetry;

namespace Sleeper.BulkImport;

/// <summary>
/// Bulk import: the fast path for loading a large data set. Pre-splits the table from a sketch of the input when
/// it has fewer leaves than <c>sleeper.table.bulk.import.min.leaf.partitions</c>; reads the inputs on every core,
/// finding each row's leaf partition and buffering rows per leaf (sorted runs spill to scratch files when the
/// memory budget is full); then sorts each leaf and writes its file, several leaves at once; and commits every
/// file in one AddFiles. If anything fails, the files written are deleted and the table's files are unchanged
/// (a pre-split, once committed, stays: it is a valid tree holding the same data). The one exception is a commit
/// whose outcome is unknown (<see cref="CommitOutcomeUnknownException"/>): its files may be referenced, so they
/// stay, and a later look at the table (or the collection of unreferenced files) settles them.
/// </summary>
public sealed class BulkImportRunner(SleeperTable table, BulkImportOptions? options = null)
{
    private const int MergeBatchRows = 64 * 1024;

    private readonly BulkImportOptions _options = options ?? new BulkImportOptions();

    /// <summary>
    /// Runs just before the commit, and may stop it by throwing: a queued job's worker renews its claim on the job
    /// here (<see cref="Core.Jobs.VisibilityExtender.HoldForCommitAsync"/>), so an attempt that lost it never commits.
    /// </summary>
    public Func<CancellationToken, Task>? BeforeCommit { get; init; }

    /// <param name="jobId">
    /// The queued job this import runs, if any: its id goes into the file names, and into the commit, which the
    /// table then accepts only once per job (a second attempt gets <see cref="JobAlreadyCommittedException"/>).
    /// </param>
    public async Task<BulkImportResult> ImportAsync(IReadOnlyList<IIngestInput> inputs, IProgress<BulkImportProgress>? progress = null,
        string? jobId = null, CancellationToken cancellationToken = default)
    {
        // Bulk import holds its whole input in memory (gigabytes): a blocking full collection of that heap stops
        // every core for a long while, so only background ones run while it works. The mode is the process's;
        // it is put back as it was when the import ends.
        var latency = System.Runtime.GCSettings.LatencyMode;
        System.Runtime.GCSettings.LatencyMode = System.Runtime.GCLatencyMode.SustainedLowLatency;
        try
        {
            return await ImportCoreAsync(inputs, progress, jobId, cancellationToken);
        }
        finally
        {
            System.Runtime.GCSettings.LatencyMode = latency;
        }
    }

    private async Task<BulkImportResult> ImportCoreAsync(IReadOnlyList<IIngestInput> inputs, IProgress<BulkImportProgress>? progress,
        string? jobId, CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        var schema = table.Schema;
        var parallelism = Math.Max(1, _options.Parallelism);
        var plan = ReadPlan.For(inputs, schema);
        var counters = new Counters(progress);

        var leavesBefore = (await table.StateStore.GetStateAsync(cancellationToken).ConfigureAwait(false)).PartitionTree().Leaves.Count;
        counters.LeafPartitions = leavesBefore;
        var memoryBytes = _options.MemoryBytesFor(table.Properties);
        var (tree, added, units) = await new PreSplitter(table, parallelism, _options.BatchRows)
            .PreSplitIfNeededAsync(plan, memoryBytes, rows => counters.Sketched(rows), cancellationToken).ConfigureAwait(false);
        var preSplitTime = watch.Elapsed;
        counters.LeafPartitions = tree.Leaves.Count;
        counters.Added = added;
        counters.Report(BulkImportStage.Reading);

        var locator = new FirstKeyLocator(tree, schema);
        var leaves = locator.Leaves;
        var arrowSchema = ArrowSchemas.ToArrow(schema);
        var budgetPerThread = Math.Max(1, memoryBytes / parallelism);
        var buffers = Enumerable.Range(0, parallelism).Select(_ => new LeafBuffer(leaves.Count)).ToArray();
        var spilledRuns = Enumerable.Range(0, leaves.Count).Select(_ => new List<(string Path, long Rows)>()).ToArray();
        var written = new List<string>();
        var references = new List<FileReference>();
        using var spill = new SpillFolder(_options.ScratchRoot, _options.ScratchDisk);
        try
        {
            // Each reading thread groups into the arrays of the batch it grouped before, when that was a managed copy
            // held by the pre-split, so grouping touches no new memory.
            var recyclers = Enumerable.Range(0, parallelism).Select(_ => new BufferRecycler(maxArrays: 8)).ToArray();
            // Labels are checked as the rows are read, before any file of the table is written.
            var labels = VisibilityCheck.For(schema, table.Properties);
            await ParallelReader.RunAsync(units, parallelism, schema, _options.BatchRows, _ => false, async (worker, unit, _, batch, token) =>
            {
                var buffer = buffers[worker];
                var rows = batch.Length;
                using (batch)
                {
                    labels?.Check(batch, units[unit].Source);
                    var (grouped, leafOfRow) = LeafGrouping.Group(batch, locator.Locate(batch), leaves.Count, arrowSchema, recyclers[worker]);
                    buffer.Add(grouped, leafOfRow);
                    if (units[unit] is HeldBatches)
                    {
                        // Held batches are whole copies owning their arrays, handed over and forgotten by the unit.
                        recyclers[worker].Recycle(batch);
                    }
                }
                counters.Read(rows);
                if (buffer.Bytes >= budgetPerThread)
                {
                    await SpillAsync(buffer, spill, spilledRuns, arrowSchema, token).ConfigureAwait(false);
                    counters.SpilledRuns = spill.RunsWritten;
                }
            }, cancellationToken).ConfigureAwait(false);

            var readTime = watch.Elapsed;
            // One list of every buffered batch; each thread's runs are shifted to index into it.
            var sources = new List<RecordBatch>();
            var offsets = new int[buffers.Length];
            for (var w = 0; w < buffers.Length; w++)
            {
                offsets[w] = sources.Count;
                sources.AddRange(buffers[w].Sources);
            }
            var rowsOfLeaf = new long[leaves.Count];
            for (var leaf = 0; leaf < leaves.Count; leaf++)
            {
                rowsOfLeaf[leaf] = buffers.Sum(b => b.Leaf(leaf).Rows) + spilledRuns[leaf].Sum(r => r.Rows);
            }
            // Biggest leaves first, so the last leaves to finish are small and no core waits long at the end.
            var order = Enumerable.Range(0, leaves.Count).Where(l => rowsOfLeaf[l] > 0).OrderByDescending(l => rowsOfLeaf[l]).ToList();
            counters.LeavesToWrite = order.Count;
            counters.Report(BulkImportStage.Writing);
            var settings = ParquetWriteSettings.From(schema, table.Properties);
            // A recycler per leaf being written: each leaf's copies reuse the arrays of a leaf written before.
            var leafRecyclers = new System.Collections.Concurrent.ConcurrentBag<BufferRecycler>();
            await Parallel.ForEachAsync(order, new ParallelOptions { MaxDegreeOfParallelism = parallelism, CancellationToken = cancellationToken }, async (leaf, token) =>
            {
                var runs = CombinedRuns(buffers, offsets, leaf);
                var partition = leaves[leaf];
                var filename = BulkImportFiles.NewDataFileName(table, partition.Id, jobId);
                lock (written)
                {
                    written.Add(filename);
                }
                if (!leafRecyclers.TryTake(out var recycler))
                {
                    // Room for the arrays of a leaf's two copies (five columns' buffers each for the standard schema).
                    recycler = new BufferRecycler(maxArrays: 16);
                }
                var rows = await WriteLeafAsync(filename, settings, schema, arrowSchema, sources, runs, spilledRuns[leaf], recycler, token).ConfigureAwait(false);
                leafRecyclers.Add(recycler);
                if (rows != rowsOfLeaf[leaf])
                {
                    throw new InvalidOperationException($"Bulk import into table '{table.Name}' wrote {rows} rows to partition '{partition.Id}' but buffered {rowsOfLeaf[leaf]}.");
                }
                lock (references)
                {
                    references.Add(new FileReference(filename, partition.Id, rows));
                }
                counters.LeafWritten();
            }).ConfigureAwait(false);
            foreach (var buffer in buffers)
            {
                buffer.Clear();
            }

            var writeTime = watch.Elapsed;
            counters.Report(BulkImportStage.Committing);
            if (references.Count > 0)
            {
                if (BeforeCommit is { } beforeCommit)
                {
                    await beforeCommit(cancellationToken).ConfigureAwait(false);
                }
                OrphanCollectionRule.EnsureCanCommit(table, watch.Elapsed);
                await table.StateStore.CommitAsync(new AddFilesTransaction(references, jobId), cancellationToken).ConfigureAwait(false);
                SleeperTelemetry.RowsIngested.Add(references.Sum(r => r.NumberOfRows), new KeyValuePair<string, object?>("table", table.Name));
            }
            return new BulkImportResult(references.Sum(r => r.NumberOfRows), references.Count, leavesBefore, leaves.Count, added,
                spill.RunsWritten, references, watch.Elapsed,
                new BulkImportTimings(preSplitTime, readTime - preSplitTime, writeTime - readTime, watch.Elapsed - writeTime));
        }
        catch (Exception e) when (e is not CommitOutcomeUnknownException)
        {
            // Any other failure of the commit means nothing was appended, so nothing refers to these files.
            foreach (var filename in written)
            {
                await DataFiles.DeleteUncommittedAsync(table.Objects, filename, CancellationToken.None).ConfigureAwait(false);
            }
            throw;
        }
        finally
        {
            foreach (var buffer in buffers)
            {
                buffer.Dispose();
            }
            foreach (var unit in units.OfType<HeldBatches>())
            {
                unit.Dispose();
            }
        }
    }

    /// <summary>Sorts every leaf's rows of one thread's buffer into a run file each, then frees the buffer.</summary>
    private async Task SpillAsync(LeafBuffer buffer, SpillFolder spill, List<(string Path, long Rows)>[] spilledRuns,
        Schema arrowSchema, CancellationToken cancellationToken)
    {
        for (var leaf = 0; leaf < spilledRuns.Length; leaf++)
        {
            var list = buffer.Leaf(leaf);
            if (list.Rows == 0)
            {
                continue;
            }
            var rows = list.Rows;
            var sorted = LeafSorter.Sorted(table.Schema, arrowSchema, buffer.Sources, list.Runs.ToArray(), MergeBatchRows);
            var path = await spill.WriteRunAsync(leaf, arrowSchema, sorted, cancellationToken).ConfigureAwait(false);
            lock (spilledRuns[leaf])
            {
                spilledRuns[leaf].Add((path, rows));
            }
        }
        buffer.Clear();
    }

    private static SourceRun[] CombinedRuns(LeafBuffer[] buffers, int[] offsets, int leaf)
    {
        var runs = new SourceRun[buffers.Sum(b => b.Leaf(leaf).Count)];
        var i = 0;
        for (var w = 0; w < buffers.Length; w++)
        {
            foreach (var run in buffers[w].Leaf(leaf).Runs)
            {
                runs[i++] = run with { Source = run.Source + offsets[w] };
            }
        }
        return runs;
    }

    /// <summary>
    /// Writes one leaf's file: its rows in memory, sorted, merged with its spilled runs when there are any.
    /// Returns the rows written; the file and its sketches are in place when it returns.
    /// </summary>
    private async Task<long> WriteLeafAsync(string filename, ParquetWriteSettings settings, Core.Schema.TableSchema schema, Schema arrowSchema,
        IReadOnlyList<RecordBatch> sources, SourceRun[] runs, List<(string Path, long Rows)> spilled, BufferRecycler recycler,
        CancellationToken cancellationToken)
    {
        using var leaf = runs.Length == 0 ? null : LeafSorter.SortedBatch(schema, arrowSchema, sources, runs, recycler);
        var inMemory = leaf is null ? [] : LeafSorter.Slices(leaf, _options.BatchRows, dispose: false);
        var sorted = spilled.Count == 0
            ? inMemory
            : new StreamingBatchMerger(schema, MergeBatchRows).Merge([inMemory, .. spilled.Select(r => SpillFolder.ReadRun(r.Path))]);
        long rows;
        await using (var writer = await SortedParquetWriter.StartAsync(table.Objects, filename, settings, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            foreach (var batch in sorted)
            {
                using (batch)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    writer.Write(batch);
                }
            }
            rows = await writer.CommitAsync(cancellationToken).ConfigureAwait(false);
        }
        // The file is closed: nothing refers to the sorted batch's arrays any more, and the next leaf reuses them.
        if (leaf is not null)
        {
            recycler.Recycle(leaf);
        }
        return rows;
    }

    /// <summary>The running totals behind progress reports, updated from every thread.</summary>
    private sealed class Counters(IProgress<BulkImportProgress>? progress)
    {
        private long _rowsRead;
        private long _rowsSketched;
        private int _leavesWritten;
        private BulkImportStage _stage = BulkImportStage.Sketching;

        public int LeafPartitions { get; set; }
        public int Added { get; set; }
        public int LeavesToWrite { get; set; }
        public int SpilledRuns { get; set; }

        public void Sketched(long total)
        {
            Interlocked.Exchange(ref _rowsSketched, total);
            Report(BulkImportStage.Sketching);
        }

        public void Read(long rows)
        {
            Interlocked.Add(ref _rowsRead, rows);
            Report(BulkImportStage.Reading);
        }

        public void LeafWritten()
        {
            Interlocked.Increment(ref _leavesWritten);
            Report(BulkImportStage.Writing);
        }

        public void Report(BulkImportStage stage)
        {
            _stage = stage;
            progress?.Report(new BulkImportProgress(_stage, Interlocked.Read(ref _rowsRead), Interlocked.Read(ref _rowsSketched),
                LeafPartitions, Added, Volatile.Read(ref _leavesWritten), LeavesToWrite, SpilledRuns));
        }
    }
}
