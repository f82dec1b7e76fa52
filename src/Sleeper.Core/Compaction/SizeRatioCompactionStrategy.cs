using Sleeper.Core.Files;
using Sleeper.Core.Partitions;
using Sleeper.Core.Properties;

namespace Sleeper.Core.Compaction;

/// <summary>
/// Sleeper's default strategy. In each leaf, the free files sorted smallest first are trimmed from the
/// largest end until <c>ratio × largest ≤ sum of the others</c> holds (files of similar size, so that
/// each row is rewritten a logarithmic number of times); those are then cut into batches of
/// <c>sleeper.table.compaction.files.batch.size</c>, smallest first, each batch kept only if it meets the
/// same test, up to the partition's limit of concurrent jobs.
/// </summary>
public sealed class SizeRatioCompactionStrategy : ICompactionStrategy
{
    public IReadOnlyList<CompactionJobPlan> CreateJobs(SleeperProperties tableProperties, PartitionTree tree, IReadOnlyList<FileReference> references)
    {
        var ratio = tableProperties.GetInt(TableProperty.SizeRatioRatio);
        var batchSize = tableProperties.GetInt(TableProperty.CompactionFilesBatchSize);
        var maxJobs = tableProperties.GetInt(TableProperty.SizeRatioMaxConcurrentJobsPerPartition);
        var jobs = new List<CompactionJobPlan>();
        foreach (var (leaf, free, running) in CompactionStrategies.LeafCandidates(tree, references))
        {
            var candidates = free.ToList();
            while (candidates.Count > 1 && !MeetsCriteria(candidates, ratio))
            {
                candidates.RemoveAt(candidates.Count - 1);
            }
            if (candidates.Count < 2)
            {
                continue;
            }
            var created = 0;
            for (var i = 0; i < candidates.Count && running + created < maxJobs; i += batchSize)
            {
                var batch = candidates.Skip(i).Take(batchSize).ToList();
                if (batch.Count > 1 && MeetsCriteria(batch, ratio))
                {
                    jobs.Add(new CompactionJobPlan(leaf.Id, batch.Select(r => r.Filename).ToList()));
                    created++;
                }
            }
        }
        return jobs;
    }

    /// <summary>Files in ascending size: the largest times the ratio is at most the sum of the rest.</summary>
    public static bool MeetsCriteria(IReadOnlyList<FileReference> ascending, int ratio)
    {
        if (ascending.Count < 2)
        {
            return false;
        }
        var largest = ascending[^1].NumberOfRows;
        long rest = 0;
        for (var i = 0; i < ascending.Count - 1; i++)
        {
            rest += ascending[i].NumberOfRows;
        }
        return (double)ratio * largest <= rest;
    }
}
