using Sleeper.Core.Compaction;
using Sleeper.Core.Tables;
using Sleeper.Parquet;

namespace Sleeper.Compaction;

/// <summary>
/// Deletes what attempts at a committed compaction job left behind: an attempt killed after its output was in
/// place but before its commit leaves a complete output and sketches pair that nothing references, and the attempt
/// that then commits writes under a name of its own (see <see cref="CompactionTask"/>).
/// </summary>
/// <remarks>
/// Safe only once the job has committed: from then on its inputs are no longer assigned to it, so no attempt at
/// it, running or to come, can ever commit, and an output of the job that the state store does not hold (read
/// after the commit) can never gain a reference. Outputs of jobs that never commit are left to orphan collection.
/// </remarks>
internal static class CompactionLeftovers
{
    public static async Task<int> DeleteAsync(SleeperTable table, CompactionJob job, CancellationToken cancellationToken)
    {
        var state = await table.StateStore.GetStateAsync(cancellationToken);
        // Every attempt's output shares the job's output name up to its extension: one listing by that prefix.
        var stem = job.OutputFile[..^System.IO.Path.GetExtension(job.OutputFile).Length];
        var names = new SortedSet<string>(StringComparer.Ordinal);
        await foreach (var stored in table.Objects.ListAsync(stem, cancellationToken))
        {
            // A sketches file alone is what an attempt killed between placing its sketches and its data file leaves.
            if (stored.Name.EndsWith(".parquet", StringComparison.Ordinal) || stored.Name.EndsWith(SketchesFile.Extension, StringComparison.Ordinal))
            {
                names.Add(System.IO.Path.ChangeExtension(stored.Name, ".parquet"));
            }
        }
        var deleted = 0;
        foreach (var name in names)
        {
            if (!job.IsOutputOfAnAttempt(name) || state.Files.ContainsKey(name))
            {
                continue;
            }
            await table.Objects.DeleteAsync(SketchesFile.PathFor(name), cancellationToken);
            await table.Objects.DeleteAsync(name, cancellationToken);
            deleted++;
        }
        return deleted;
    }
}
