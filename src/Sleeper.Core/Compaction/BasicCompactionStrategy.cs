using Sleeper.Core.Files;
using Sleeper.Core.Partitions;
using Sleeper.Core.Properties;

namespace Sleeper.Core.Compaction;

/// <summary>
/// Sleeper's basic strategy: in each leaf, while at least a batch of free files remains, compact the
/// smallest batch of <c>sleeper.table.compaction.files.batch.size</c> files together.
/// </summary>
public sealed class BasicCompactionStrategy : ICompactionStrategy
{
    public IReadOnlyList<CompactionJobPlan> CreateJobs(SleeperProperties tableProperties, PartitionTree tree, IReadOnlyList<FileReference> references)
    {
        var batchSize = tableProperties.GetInt(TableProperty.CompactionFilesBatchSize);
        var jobs = new List<CompactionJobPlan>();
        foreach (var (leaf, free, _) in CompactionStrategies.LeafCandidates(tree, references))
        {
            for (var i = 0; i + batchSize <= free.Count; i += batchSize)
            {
                jobs.Add(new CompactionJobPlan(leaf.Id, free.Skip(i).Take(batchSize).Select(r => r.Filename).ToList()));
            }
        }
        return jobs;
    }
}
