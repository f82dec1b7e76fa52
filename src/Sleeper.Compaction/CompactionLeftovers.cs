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
        // Local file listing: to move onto the storage port (a listing by the prefix of the job's output name).
        var folder = Path.GetDirectoryName(table.ResolveDataFile(job.OutputFile))!;
        var relativeFolder = job.OutputFile[..(job.OutputFile.LastIndexOf('/') + 1)];
        if (!Directory.Exists(folder))
        {
            return 0;
        }
        var stem = Path.GetFileNameWithoutExtension(job.OutputFile);
        var deleted = 0;
        // A sketches file alone is what an attempt killed between placing its sketches and its data file leaves.
        var outputs = Directory.EnumerateFiles(folder, stem + "*")
            .Where(p => p.EndsWith(".parquet", StringComparison.Ordinal) || p.EndsWith(SketchesFile.Extension, StringComparison.Ordinal))
            .Select(p => Path.ChangeExtension(p, ".parquet"))
            .Distinct(StringComparer.Ordinal)
            .ToList();
        foreach (var path in outputs)
        {
            var name = relativeFolder + Path.GetFileName(path);
            if (!job.IsOutputOfAnAttempt(name) || state.Files.ContainsKey(name))
            {
                continue;
            }
            File.Delete(SketchesFile.PathFor(path));
            File.Delete(path);
            deleted++;
        }
        return deleted;
    }
}
