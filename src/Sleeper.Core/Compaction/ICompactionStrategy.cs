using Sleeper.Core.Files;
using Sleeper.Core.Partitions;
using Sleeper.Core.Properties;

namespace Sleeper.Core.Compaction;

/// <summary>Chooses which files of each leaf partition to compact together.</summary>
public interface ICompactionStrategy
{
    /// <param name="references">Every file reference of the table; those already in a job count towards its partition's running jobs.</param>
    IReadOnlyList<CompactionJobPlan> CreateJobs(SleeperProperties tableProperties, PartitionTree tree, IReadOnlyList<FileReference> references);
}

/// <summary>Picks the strategy named by sleeper.table.compaction.strategy.class (short or Sleeper's fully qualified names).</summary>
public static class CompactionStrategies
{
    public static ICompactionStrategy For(SleeperProperties tableProperties)
    {
        var name = tableProperties.Get(TableProperty.CompactionStrategyClass) ?? "";
        var simple = name[(name.LastIndexOf('.') + 1)..];
        return simple switch
        {
            "SizeRatioCompactionStrategy" => new SizeRatioCompactionStrategy(),
            "BasicCompactionStrategy" => new BasicCompactionStrategy(),
            _ => throw new PropertyException($"Property {TableProperty.CompactionStrategyClass.Name}: unknown strategy '{name}'."),
        };
    }

    /// <summary>The references with no job in each leaf, smallest first, and how many jobs each leaf already has.</summary>
    internal static IEnumerable<(Partition Leaf, List<FileReference> Free, int RunningJobs)> LeafCandidates(PartitionTree tree, IReadOnlyList<FileReference> references)
    {
        var byPartition = references.GroupBy(r => r.PartitionId).ToDictionary(g => g.Key, g => g.ToList());
        foreach (var leaf in tree.Leaves.OrderBy(l => l.Id, StringComparer.Ordinal))
        {
            if (!byPartition.TryGetValue(leaf.Id, out var refs))
            {
                continue;
            }
            var free = refs.Where(r => r.JobId is null)
                .OrderBy(r => r.NumberOfRows).ThenBy(r => r.Filename, StringComparer.Ordinal).ToList();
            var running = refs.Where(r => r.JobId is not null).Select(r => r.JobId).Distinct().Count();
            yield return (leaf, free, running);
        }
    }
}
