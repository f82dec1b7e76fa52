using Sleeper.Core;
using Sleeper.Core.Partitions;
using Sleeper.Core.Properties;
using Sleeper.Core.Sketches;
using Sleeper.Core.Splitting;
using Sleeper.Core.StateStore.Transactions;
using Sleeper.Core.Storage;
using Sleeper.Core.Tables;
using Sleeper.Parquet;

namespace Sleeper.Splitter;

/// <summary>
/// Splits a table's leaf partitions that hold more rows than sleeper.table.partition.splitting.threshold: for
/// each, merges the sketches of its files, chooses the split (<see cref="SplitPointChooser"/>) and commits
/// SplitPartition, which the state store accepts only while the partition is still a leaf. The partition's file
/// references stay where they are; queries read them from the new parent, and compaction job creation pushes
/// them down to the children.
/// </summary>
public sealed class PartitionSplitter
{
    private readonly SleeperTable _table;
    private readonly PartitionSplitterOptions _options;
    private readonly Random _random;
    private readonly UnsplittablePartitionsFile _memory;

    public PartitionSplitter(SleeperTable table, PartitionSplitterOptions? options = null)
    {
        _table = table;
        _options = options ?? new PartitionSplitterOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.MaxFilesPerSplit, 1);
        _random = _options.Random ?? Random.Shared;
        _memory = new UnsplittablePartitionsFile(table);
    }

    /// <summary>The options an instance's properties give: how many sketch files one split may read.</summary>
    public static PartitionSplitterOptions OptionsFrom(SleeperProperties instanceProperties, TimeProvider? time = null) => new()
    {
        MaxFilesPerSplit = instanceProperties.GetInt(InstanceProperty.PartitionSplittingFilesMaximum),
        Time = time ?? TimeProvider.System,
    };

    /// <summary>
    /// One round: every leaf over the threshold is split once (its new children are not looked at until a later
    /// round, when compaction has given them files of their own). Unsplittable leaves are remembered with the
    /// files they were judged from, and skipped until those files change.
    /// </summary>
    public async Task<SplittingRoundResult> RunRoundAsync(CancellationToken cancellationToken = default)
    {
        var threshold = _table.Properties.GetLong(TableProperty.PartitionSplittingThreshold);
        var state = await _table.StateStore.GetStateAsync(cancellationToken);
        var remembered = await _memory.LoadAsync(cancellationToken);
        var found = FindPartitionsToSplit.Find(_table.Id, state.PartitionTree(), state.AllReferences(), threshold, _options.MaxFilesPerSplit, remembered);
        var outcomes = new List<PartitionSplitOutcome>();
        foreach (var job in found.Jobs)
        {
            outcomes.Add(await SplitAsync(job, cancellationToken));
        }
        // Findings about leaves whose files changed, or that are gone, are dropped, so the memory stays small.
        var now = _options.Time.GetUtcNow();
        var memory = found.KnownUnsplittable.Concat(outcomes.Where(o => o.Kind == SplitOutcomeKind.Unsplittable)
            .Select(o => new UnsplittablePartition(o.PartitionId, o.Job.Filenames, o.RowCount, o.Reason!, now))).ToList();
        if (memory.Count != remembered.Count || !memory.All(remembered.Contains))
        {
            await _memory.SaveAsync(memory, cancellationToken);
        }
        return new SplittingRoundResult(_table.Name, threshold, outcomes, found.KnownUnsplittable, found.WaitingForCompaction);
    }

    /// <summary>Decides and commits one split.</summary>
    public async Task<PartitionSplitOutcome> SplitAsync(SplitPartitionJob job, CancellationToken cancellationToken = default) =>
        await CommitAsync(await PlanAsync(job, cancellationToken), cancellationToken);

    /// <summary>Reads and merges the job's sketches and chooses the split, without changing the table.</summary>
    public async Task<SplitPlan> PlanAsync(SplitPartitionJob job, CancellationToken cancellationToken = default)
    {
        if (job.TableId != _table.Id)
        {
            throw new SleeperException($"Split job for partition '{job.PartitionId}' is for table id '{job.TableId}', not table '{_table.Name}' ({_table.Id}).");
        }
        if (job.Filenames.Count == 0)
        {
            throw new SleeperException($"Split job for partition '{job.PartitionId}' of table '{_table.Name}' names no files to read sketches from.");
        }
        var merged = new RowKeySketches(_table.Schema, random: _random);
        foreach (var filename in job.Filenames)
        {
            var sketches = await ReadSketchesAsync(job, filename, cancellationToken);
            if (sketches is null)
            {
                return new SplitPlan(job, 0, null, null, filename);
            }
            merged.Merge(sketches);
        }
        var choice = SplitPointChooser.Choose(job.Partition, merged);
        if (!choice.CanSplit)
        {
            return new SplitPlan(job, job.Filenames.Count, choice, null, null);
        }
        var leftId = _options.NewPartitionId();
        var rightId = _options.NewPartitionId();
        var partitions = PartitionsBuilder.Split(job.Partition, choice.Dimension!.Value, choice.Value!, leftId, rightId);
        return new SplitPlan(job, job.Filenames.Count, choice, partitions, null);
    }

    /// <summary>
    /// Commits a planned split. If the partition is no longer a leaf because another process split it first, the
    /// state store refuses the commit and the outcome says so; the table is left as the other split made it.
    /// </summary>
    public async Task<PartitionSplitOutcome> CommitAsync(SplitPlan plan, CancellationToken cancellationToken = default)
    {
        var job = plan.Job;
        if (plan.MissingFile is { } missing)
        {
            return new PartitionSplitOutcome(SplitOutcomeKind.FilesChanged, job, plan.SketchFilesRead, null,
                Reason: $"file '{missing}' was replaced and deleted while the split was planned; the next round looks again");
        }
        if (plan.Partitions is not { } partitions)
        {
            return new PartitionSplitOutcome(SplitOutcomeKind.Unsplittable, job, plan.SketchFilesRead, plan.Choice, Reason: plan.Choice!.Reason);
        }
        try
        {
            await _table.StateStore.CommitAsync(new SplitPartitionTransaction(partitions.Parent, [partitions.Left, partitions.Right]), cancellationToken);
        }
        catch (StateStoreValidationException e)
        {
            var state = await _table.StateStore.GetStateAsync(cancellationToken);
            if (state.Partitions.TryGetValue(job.PartitionId, out var now) && !now.IsLeaf)
            {
                return new PartitionSplitOutcome(SplitOutcomeKind.AlreadySplit, job, plan.SketchFilesRead, plan.Choice,
                    Reason: $"another process split it first, into {string.Join(" and ", now.ChildIds)}");
            }
            throw new SleeperException($"Could not split partition '{job.PartitionId}' of table '{_table.Name}': {e.Message}", e);
        }
        return new PartitionSplitOutcome(SplitOutcomeKind.Split, job, plan.SketchFilesRead, plan.Choice, partitions.Left.Id, partitions.Right.Id);
    }

    /// <summary>
    /// The sketches beside a data file, or null if both the file and its reference in the partition are gone: a
    /// compaction replaced it and garbage collection deleted it since the job was made. A sketches file missing for a
    /// file still referenced is an error.
    /// </summary>
    private async Task<RowKeySketches?> ReadSketchesAsync(SplitPartitionJob job, string filename, CancellationToken cancellationToken)
    {
        var path = SketchesFile.PathFor(filename);
        byte[] bytes;
        try
        {
            await using var stream = await _table.Objects.OpenReadAsync(path, cancellationToken);
            using var buffer = new MemoryStream();
            await stream.CopyToAsync(buffer, cancellationToken);
            bytes = buffer.ToArray();
        }
        catch (ObjectNotFoundException e)
        {
            var state = await _table.StateStore.GetStateAsync(cancellationToken);
            if (!state.TryGetReference(filename, job.PartitionId, out _))
            {
                return null;
            }
            throw new SleeperException($"Cannot split partition '{job.PartitionId}' of table '{_table.Name}': the sketches of file '{filename}' are missing ({path} in {_table.Objects.Location}).", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new SleeperException($"Cannot split partition '{job.PartitionId}' of table '{_table.Name}': could not read the sketches of file '{filename}': {e.Message}", e);
        }
        try
        {
            return RowKeySketches.Deserialize(_table.Schema, bytes, _random);
        }
        catch (SleeperException e)
        {
            throw new SleeperException($"Cannot split partition '{job.PartitionId}' of table '{_table.Name}': sketches file '{path}': {e.Message}", e);
        }
    }
}
