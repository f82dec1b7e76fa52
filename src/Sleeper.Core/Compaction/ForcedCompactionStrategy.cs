using Sleeper.Core.Files;
using Sleeper.Core.Partitions;
using Sleeper.Core.Properties;

namespace Sleeper.Core.Compaction;

/// <summary>Compacts every leaf partition holding more than one free file into one file (`sleeper compact --all`).</summary>
public sealed class ForcedCompactionStrategy : ICompactionStrategy
{
    public IReadOnlyList<CompactionJobPlan> CreateJobs(SleeperProperties tableProperties, PartitionTree tree, IReadOnlyList<FileReference> references) =>
        CompactionStrategies.LeafCandidates(tree, references)
            .Where(c => c.Free.Count > 1)
            .Select(c => new CompactionJobPlan(c.Leaf.Id, c.Free.Select(r => r.Filename).ToList()))
            .ToList();
}
