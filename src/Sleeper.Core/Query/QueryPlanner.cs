using Sleeper.Core.Keys;
using Sleeper.Core.StateStore;

namespace Sleeper.Core.Query;

/// <summary>Works out which leaf partitions and files a query must read.</summary>
public static class QueryPlanner
{
    public static IReadOnlyList<LeafPartitionQuery> Plan(StateStoreState state, IReadOnlyList<Region> regions)
    {
        var tree = state.PartitionTree();
        var filesByPartition = state.AllReferences()
            .GroupBy(r => r.PartitionId)
            .ToDictionary(g => g.Key, g => g.Select(r => r.Filename).ToList(), StringComparer.Ordinal);
        var plan = new List<LeafPartitionQuery>();
        foreach (var leaf in tree.Leaves)
        {
            var overlapping = regions.Where(r => !r.IsEmpty() && r.Overlaps(leaf.Region)).ToList();
            if (overlapping.Count == 0)
            {
                continue;
            }
            var files = new SortedSet<string>(StringComparer.Ordinal);
            foreach (var p in tree.AncestorsOf(leaf.Id).Prepend(leaf))
            {
                if (filesByPartition.TryGetValue(p.Id, out var names))
                {
                    files.UnionWith(names);
                }
            }
            if (files.Count > 0)
            {
                plan.Add(new LeafPartitionQuery(leaf, overlapping, files.ToList()));
            }
        }
        return plan;
    }
}
