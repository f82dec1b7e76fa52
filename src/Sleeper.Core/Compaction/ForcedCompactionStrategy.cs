using Sleeper.Core.Files;
using Sleeper.Core.Partitions;
using Sleeper.Core.Properties;

namespace Sleeper.Core.Compaction;

/// <summary>
/// Compacts every leaf partition into one file of its own (`sleeper compact --all`): each leaf holding more than
/// one free file, and each whose one free file is shared with other partitions (as after an ingest with
/// one_reference_per_leaf, or a split). A leaf then holds exactly its rows, with an exact count, which is also
/// what partition splitting needs to judge it.
/// </summary>
public sealed class ForcedCompactionStrategy : ICompactionStrategy
{
    public IReadOnlyList<CompactionJobPlan> CreateJobs(SleeperProperties tableProperties, PartitionTree tree, IReadOnlyList<FileReference> references) =>
        CompactionStrategies.LeafCandidates(tree, references)
            .Where(c => c.Free.Count > 1 || (c.Free.Count == 1 && !c.Free[0].OnlyContainsDataForThisPartition))
            .Select(c => new CompactionJobPlan(c.Leaf.Id, c.Free.Select(r => r.Filename).ToList()))
            .ToList();
}
