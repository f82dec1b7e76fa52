using System.Collections.Concurrent;
using System.Diagnostics;
using Apache.Arrow;
using Sleeper.Compaction.Pipeline;
using Sleeper.Core;
using Sleeper.Core.Batches;
using Sleeper.Core.Compaction;
using Sleeper.Core.Files;
using Sleeper.Core.Iterators;
using Sleeper.Core.StateStore.Transactions;
using Sleeper.Core.Tables;
using Sleeper.Parquet;
using Sleeper.Core.Telemetry;

namespace Sleeper.Compaction;

/// <summary>
/// Runs one compaction job: merges its input files' rows inside its partition into one sorted output file,
/// applying the table's filters, aggregation and custom iterator, then commits ReplaceFileReferences. Three
/// stages overlap: each input is read ahead on its own task into a bounded channel, one thread merges and runs
/// the iterators, and another encodes and writes the output (its columns in parallel). If anything fails, the
/// output never becomes visible and the table is unchanged.
/// </summary>
public sealed class CompactionTask(TimeProvider? time = null, IteratorLoader? iteratorLoader = null)
{
    private const int MergeBatchRows = 64 * 1024;
    private const int BatchesAheadPerInput = 2;

    // Each input holds about four batches at once (being read, waiting, being merged, merged but not yet
    // gathered), so input batches are kept small; output batches are larger to cut per-batch overheads.
    private const int InputBatchRows = 16 * 1024;
    private const int BatchesAheadOfWriter = 2;

    private readonly TimeProvider _time = time ?? TimeProvider.System;

    /// <param name="beforeCommit">
    /// Runs just before the commit, and may stop it by throwing: a queued job's worker renews its claim on the job
    /// here (<see cref="Core.Jobs.VisibilityExtender.HoldForCommitAsync"/>), so an attempt that lost it never commits.
    /// </param>
    public async Task<CompactionResult> RunAsync(SleeperTable table, CompactionJob job, CancellationToken cancellationToken = default,
        Func<CancellationToken, Task>? beforeCommit = null)
    {
        var start = _time.GetUtcNow();
        if (job.TableId != table.Id)
        {
            throw new SleeperException($"Compaction job '{job.JobId}' is for table id '{job.TableId}' ('{job.TableName}'), not table '{table.Name}' ({table.Id}).");
        }
        if (job.InputFiles.Count == 0)
        {
            throw new SleeperException($"Compaction job '{job.JobId}' of table '{table.Name}' has no input files.");
        }
        var state = await table.StateStore.GetStateAsync(cancellationToken).ConfigureAwait(false);
        if (!state.Partitions.TryGetValue(job.PartitionId, out var partition))
        {
            throw new SleeperException($"Compaction job '{job.JobId}': table '{table.Name}' has no partition '{job.PartitionId}'.");
        }
        foreach (var input in job.InputFiles)
        {
            // Checked again on commit; checking now saves the work of a job that could never commit.
            if (!state.TryGetReference(input, job.PartitionId, out var reference) || reference.JobId != job.JobId)
            {
                throw new SleeperException($"Compaction job '{job.JobId}': input file '{input}' in partition '{job.PartitionId}' of table '{table.Name}' is not assigned to this job.");
            }
        }
        var iterators = TableIterators.Create(table.Schema, table.Properties, _time, iteratorLoader);
        var outputFile = await ChooseOutputFileAsync(table, job, cancellationToken).ConfigureAwait(false);

        var readers = new List<SortedParquetReader>();
        var prefetchers = new List<InputPrefetcher>();
        using var failed = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var token = failed.Token;
        var settings = ParquetWriteSettings.From(table.Schema, table.Properties) with { EncodeColumnsInParallel = true };
        var output = new BlockingCollection<RecordBatch>(BatchesAheadOfWriter);
        var stages = new List<Task>();
        SortedParquetWriter? writer = null;
        try
        {
            writer = await SortedParquetWriter.StartAsync(table.Objects, outputFile, settings, cancellationToken: cancellationToken).ConfigureAwait(false);
            foreach (var input in job.InputFiles)
            {
                var reader = await SortedParquetReader.OpenAsync(table.Objects, input, table.Schema, preBuffer: false, batchRows: InputBatchRows, cancellationToken).ConfigureAwait(false);
                readers.Add(reader);
                prefetchers.Add(new InputPrefetcher(reader, table.Schema, partition.Region, BatchesAheadPerInput));
            }
            stages.AddRange(prefetchers.Select(p => Task.Run(() => p.RunAsync(token), token)));
            var merger = new StreamingBatchMerger(table.Schema, MergeBatchRows);
            var inputs = prefetchers.Select(p => p.Batches.ReadAllAsync(token).ToBlockingEnumerable(token)).ToList();
            // Both stages block (on their channels), so they get threads of their own, not pool threads.
            stages.Add(Task.Factory.StartNew(() => Merge(merger, inputs, iterators, output, token),
                token, TaskCreationOptions.LongRunning, TaskScheduler.Default));
            var outputWriter = writer;
            stages.Add(Task.Factory.StartNew(() => Write(outputWriter, output, token),
                token, TaskCreationOptions.LongRunning, TaskScheduler.Default));
            await WhenAllOrFirstFailure(stages, failed).ConfigureAwait(false);

            if (beforeCommit is not null)
            {
                // Before the output is put in place under its name (the job's), so an attempt that lost the job
                // leaves nothing there for the attempt that has it now to trip over.
                await beforeCommit(cancellationToken).ConfigureAwait(false);
            }
            OrphanCollectionRule.EnsureCanCommit(table, start, _time);
            var rowsWritten = await writer.CommitAsync(cancellationToken).ConfigureAwait(false);
            var outputReference = new FileReference(outputFile, job.PartitionId, rowsWritten);
            try
            {
                await table.StateStore.CommitAsync(new ReplaceFileReferencesTransaction(
                    [new ReplaceFileReferencesRequest(job.JobId, job.PartitionId, job.InputFiles, outputReference)]), cancellationToken).ConfigureAwait(false);
                SleeperTelemetry.RowsCompacted.Add(rowsWritten, new KeyValuePair<string, object?>("table", table.Name));
            }
            catch (StateStoreValidationException)
            {
                // Never referenced, so nothing can be reading it: remove it now rather than leave it for GC.
                await DataFiles.DeleteUncommittedAsync(table.Objects, outputFile, CancellationToken.None).ConfigureAwait(false);
                throw;
            }
            return new CompactionResult(job.JobId, prefetchers.Sum(p => p.RowsRead), rowsWritten, outputReference, start, _time.GetUtcNow());
        }
        finally
        {
            if (!failed.IsCancellationRequested)
            {
                failed.Cancel();
            }
            try
            {
                await Task.WhenAll(stages).ConfigureAwait(false);
            }
            catch
            {
                // Already reported by the first failure.
            }
            foreach (var prefetcher in prefetchers)
            {
                prefetcher.Drain();
            }
            while (output.TryTake(out var batch))
            {
                batch.Dispose();
            }
            output.Dispose();
            // Only now that no stage can touch it: an uncommitted output's temporary file is deleted here.
            writer?.Dispose();
            foreach (var reader in readers)
            {
                reader.Dispose();
            }
        }
    }

    /// <summary>
    /// The job's own output name, unless something holds it already: an earlier attempt that was killed after its
    /// output was in place but before its commit, or an attempt still running (a worker that stalled past its
    /// visibility timeout, or a job sent twice). Neither may be overwritten or deleted here, since the one still
    /// running may yet commit its output; so this attempt writes a name of its own, and the state store's commit,
    /// which needs the inputs still assigned to the job, lets at most one attempt win. The worker deletes the
    /// losers' outputs once the job has committed (<see cref="CompactionLeftovers"/>).
    /// </summary>
    private static async Task<string> ChooseOutputFileAsync(SleeperTable table, CompactionJob job, CancellationToken cancellationToken)
    {
        var taken = await table.Objects.GetInfoAsync(job.OutputFile, cancellationToken).ConfigureAwait(false) is not null
            || await table.Objects.GetInfoAsync(SketchesFile.PathFor(job.OutputFile), cancellationToken).ConfigureAwait(false) is not null;
        return taken ? job.AttemptOutputFile(Guid.NewGuid().ToString("N")[..12]) : job.OutputFile;
    }

    private static void Merge(StreamingBatchMerger merger, IReadOnlyList<IEnumerable<RecordBatch>> inputs, IReadOnlyList<ISortedBatchIterator> iterators,
        BlockingCollection<RecordBatch> output, CancellationToken cancellationToken)
    {
        Thread.CurrentThread.Name = "compaction-merge";
        try
        {
            foreach (var batch in TableIterators.Apply(merger.Merge(inputs), iterators))
            {
                if (batch.Length == 0)
                {
                    batch.Dispose();
                    continue;
                }
                try
                {
                    output.Add(batch, cancellationToken);
                }
                catch
                {
                    batch.Dispose();
                    throw;
                }
            }
        }
        finally
        {
            output.CompleteAdding();
        }
    }

    private static void Write(SortedParquetWriter writer, BlockingCollection<RecordBatch> output, CancellationToken cancellationToken)
    {
        Thread.CurrentThread.Name = "compaction-write";
        foreach (var batch in output.GetConsumingEnumerable(cancellationToken))
        {
            using (batch)
            {
                writer.Write(batch);
            }
        }
    }

    /// <summary>Waits for every stage; the first to fail cancels the others, and its error is the one thrown.</summary>
    private static async Task WhenAllOrFirstFailure(List<Task> stages, CancellationTokenSource failed)
    {
        var pending = new List<Task>(stages);
        Exception? first = null;
        while (pending.Count > 0)
        {
            var done = await Task.WhenAny(pending).ConfigureAwait(false);
            pending.Remove(done);
            if (done.IsFaulted || done.IsCanceled)
            {
                if (first is null || (first is OperationCanceledException && done.IsFaulted && done.Exception!.InnerException is not OperationCanceledException))
                {
                    first = done.IsFaulted ? done.Exception!.InnerException! : new OperationCanceledException(failed.Token);
                }
                failed.Cancel();
            }
        }
        if (first is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(first).Throw();
        }
    }
}
