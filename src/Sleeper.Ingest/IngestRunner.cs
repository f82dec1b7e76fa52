using Apache.Arrow;
using Sleeper.Core.Files;
using Sleeper.Core.Partitions;
using Sleeper.Core.Properties;
using Sleeper.Core.Security;
using Sleeper.Core.StateStore;
using Sleeper.Core.StateStore.Transactions;
using Sleeper.Core.Tables;
using Sleeper.Ingest.Input;
using Sleeper.Ingest.Output;
using Sleeper.Ingest.Spill;
using Sleeper.Parquet;
using Sleeper.Core.Telemetry;

namespace Sleeper.Ingest;

/// <summary>
/// Direct ingest with bounded memory, in two phases. <see cref="ReadAndSortPhase"/>: rows are read in batches,
/// sorted on every core, held in memory up to the table's byte budget (<c>sleeper.table.ingest.memory.bytes</c>)
/// and spilled to a scratch folder as sorted runs beyond it. <see cref="MergeAndWritePhase"/>: a k-way merge of
/// the runs writes the table's files (one file referenced from each leaf it covers, or one file per leaf, by
/// the writing strategy), one pipeline per core over its own range of leaves. One AddFiles commits them all.
/// If anything fails, the files written are deleted and the table is unchanged; the scratch folder is always
/// removed.
/// </summary>
public sealed class IngestRunner(SleeperTable table, string? scratchParent = null)
{
    public const string OneReferencePerLeaf = "one_reference_per_leaf";
    public const string OneFilePerLeaf = "one_file_per_leaf";

    private const int SpillSliceRows = 16 * 1024;

    /// <summary>
    /// The fewest rows worth a merge-and-write pipeline of their own: an ingest of fewer rows than this per core
    /// writes fewer files, on fewer cores, rather than many small files for compaction to gather up again.
    /// </summary>
    public long MinRowsPerPipeline { get; init; } = 1_000_000;

    /// <summary>The disk under the scratch folder: the machine's own unless a test puts a failing one there.</summary>
    public ScratchDisk? ScratchDisk { get; init; }

    /// <summary>Ingests rows from files or standard input; reports the rows read so far.</summary>
    public Task<IngestResult> IngestAsync(IEnumerable<IIngestInput> inputs, IProgress<long>? progress = null, CancellationToken cancellationToken = default) =>
        IngestCheckedAsync(Read(inputs), progress, cancellationToken);

    /// <summary>
    /// Ingests batches already in the table's column order and validated (types right); the batches are
    /// disposed here. Key fields must have no nulls. Visibility labels are checked here, as for every input.
    /// </summary>
    public Task<IngestResult> IngestBatchesAsync(IEnumerable<RecordBatch> batches, IProgress<long>? progress = null, CancellationToken cancellationToken = default) =>
        IngestCheckedAsync(CheckLabels(batches, "the rows given"), progress, cancellationToken);

    private async Task<IngestResult> IngestCheckedAsync(IEnumerable<RecordBatch> batches, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        var writing = System.Diagnostics.Stopwatch.StartNew();
        var result = await WriteCheckedAsync(batches, progress, cancellationToken);
        if (result.References.Count == 0)
        {
            return result;
        }
        try
        {
            OrphanCollectionRule.EnsureCanCommit(table, writing.Elapsed);
            await table.StateStore.CommitAsync(new AddFilesTransaction(result.References), cancellationToken);
            SleeperTelemetry.RowsIngested.Add(result.RowsWritten, new KeyValuePair<string, object?>("table", table.Name));
        }
        catch (Exception e) when (e is not CommitOutcomeUnknownException)
        {
            // A commit that throws appended nothing, unless it says its outcome is unknown: then the files may be
            // referenced, and they stay.
            await DeleteFilesAsync(result.References.Select(r => r.Filename));
            throw;
        }
        return result;
    }

    /// <summary>
    /// Writes the table's files from the inputs but commits nothing: the caller commits the returned references
    /// in one AddFiles (and may record them first, as a queued job's worker does), or deletes them with
    /// <see cref="DeleteFiles"/>.
    /// </summary>
    public Task<IngestResult> WriteAsync(IEnumerable<IIngestInput> inputs, IProgress<long>? progress = null, CancellationToken cancellationToken = default) =>
        WriteCheckedAsync(Read(inputs), progress, cancellationToken);

    /// <summary>As <see cref="WriteAsync"/>, from batches (disposed here).</summary>
    public Task<IngestResult> WriteBatchesAsync(IEnumerable<RecordBatch> batches, IProgress<long>? progress = null, CancellationToken cancellationToken = default) =>
        WriteCheckedAsync(CheckLabels(batches, "the rows given"), progress, cancellationToken);

    /// <summary>
    /// Writes batches whose labels are being checked as they are read. The check runs while the rows are read and
    /// sorted, before any file of the table is written, so a malformed label leaves nothing behind to commit.
    /// </summary>
    private async Task<IngestResult> WriteCheckedAsync(IEnumerable<RecordBatch> batches, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        var state = await table.StateStore.GetStateAsync(cancellationToken);
        var locator = new PartitionLocator(state.PartitionTree(), table.Schema);
        using var scratch = new ScratchFolder(scratchParent, ScratchDisk);
        await using var sorter = new SpillingSorter(table.Schema, table.Properties.GetBytes(TableProperty.IngestMemoryBytes), scratch, SpillSliceRows);
        var rowsPerLeaf = new long[locator.Leaves.Count];
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var rows = await ReadAndSortPhase.RunAsync(table.Schema, batches, sorter, locator, rowsPerLeaf, progress, cancellationToken);
        var inputs = await sorter.TakeSortedInputsAsync();
        var stats = new IngestStatistics(sorter.SpilledRuns, sorter.SpilledBytes, sorter.PeakHeldBytes, watch.Elapsed);
        if (rows == 0)
        {
            return new IngestResult(0, 0, [], stats);
        }
        // A merge-and-write pipeline per core, each over its own range of leaves; with one range, the one writer
        // encodes its columns in parallel instead.
        var pipelines = (int)Math.Clamp(rows / Math.Max(1, MinRowsPerPipeline), 1, Math.Max(1, Environment.ProcessorCount));
        var groups = KeyRangeGroup.Plan(locator, rowsPerLeaf, pipelines);
        var settings = ParquetWriteSettings.From(table.Schema, table.Properties) with { EncodeColumnsInParallel = groups.Count == 1 };
        var onePerLeaf = string.Equals(table.Properties.Get(TableProperty.IngestFileWritingStrategy), OneFilePerLeaf, StringComparison.OrdinalIgnoreCase);
        var outputs = new List<IIngestOutput>();
        try
        {
            foreach (var group in groups)
            {
                outputs.Add(onePerLeaf
                    ? new OneFilePerLeafOutput(table, locator, settings)
                    : await OneReferencePerLeafOutput.StartAsync(table, locator.Leaves, group.RowsPerLeaf, settings, cancellationToken));
            }
            using var failed = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            // Each pipeline blocks on its channel, so each gets a thread of its own rather than the caller's.
            await MergeAndWritePhase.WhenAllOrFirstFailureAsync(groups.Select((group, i) => Task.Run(() =>
                MergeAndWritePhase.RunAsync(table.Schema, inputs.Select(group.Within).ToList(), locator, outputs[i], failed.Token), CancellationToken.None)).ToList(), failed);
            var references = new List<FileReference>();
            foreach (var output in outputs)
            {
                references.AddRange(await output.FinishAsync(cancellationToken));
            }
            return new IngestResult(rows, references.Select(r => r.Filename).Distinct().Count(), references, stats with { MergeAndWrite = watch.Elapsed - stats.ReadAndSort });
        }
        catch
        {
            foreach (var output in outputs)
            {
                await output.DeleteFinishedAsync();
            }
            throw;
        }
        finally
        {
            foreach (var output in outputs)
            {
                output.Dispose();
            }
        }
    }

    /// <summary>Deletes written files that were never committed (and their sketches); files already gone are fine.</summary>
    public async Task DeleteFilesAsync(IEnumerable<string> filenames)
    {
        foreach (var filename in filenames.Distinct(StringComparer.Ordinal))
        {
            await DataFiles.DeleteUncommittedAsync(table.Objects, filename);
        }
    }

    private IEnumerable<RecordBatch> Read(IEnumerable<IIngestInput> inputs)
    {
        var maxRows = table.Properties.GetInt(TableProperty.IngestBatchRows);
        var labels = VisibilityCheck.For(table.Schema, table.Properties);
        return inputs.SelectMany(i => labels is null ? i.ReadBatches(table.Schema, maxRows) : labels.Checked(i.ReadBatches(table.Schema, maxRows), i.Name));
    }

    /// <summary>The batches, each checked for malformed visibility labels as it passes (when the table has a visibility field).</summary>
    private IEnumerable<RecordBatch> CheckLabels(IEnumerable<RecordBatch> batches, string source) =>
        VisibilityCheck.For(table.Schema, table.Properties) is { } labels ? labels.Checked(batches, source) : batches;
}
