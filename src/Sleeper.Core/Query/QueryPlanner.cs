using Sleeper.Core.Keys;
using Sleeper.Core.Partitions;
using Sleeper.Core.StateStore;

namespace Sleeper.Core.Query;

/// <summary>Works out which leaf partitions and files a query must read.</summary>
public static class QueryPlanner
{
    public static IReadOnlyList<LeafPartitionQuery> Plan(StateStoreState state, IReadOnlyList<Region> regions) =>
        Plan(Index(state), regions);

    /// <summary>
    /// The part of planning that depends only on the state: each leaf with the files referenced from it or its
    /// ancestors. Queries share it through <see cref="ReadState.Derived{T}"/>, so it is built once per transaction.
    /// </summary>
    public static QueryPlanIndex Index(StateStoreState state)
    {
        var tree = state.PartitionTree();
        var filesByPartition = state.AllReferences()
            .GroupBy(r => r.PartitionId)
            .ToDictionary(g => g.Key, g => g.Select(r => r.Filename).ToList(), StringComparer.Ordinal);
        var leaves = new List<(Partition Leaf, IReadOnlyList<string> Files)>();
        foreach (var leaf in tree.Leaves)
        {
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
                leaves.Add((leaf, files.ToArray()));
            }
        }
        return new QueryPlanIndex(leaves);
    }

    /// <summary>The leaves that meet the regions and hold files, each with the regions that meet it; all regions planned together.</summary>
    public static IReadOnlyList<LeafPartitionQuery> Plan(QueryPlanIndex index, IReadOnlyList<Region> regions)
    {
        var live = regions.Where(r => !r.IsEmpty()).ToList();
        var plan = new List<LeafPartitionQuery>();
        foreach (var (leaf, files) in index.Leaves)
        {
            List<Region>? overlapping = null;
            foreach (var region in live)
            {
                if (region.Overlaps(leaf.Region))
                {
                    (overlapping ??= []).Add(region);
                }
            }
            if (overlapping is not null)
            {
                plan.Add(new LeafPartitionQuery(leaf, overlapping, files));
            }
        }
        return plan;
    }
}

/// <summary>Every leaf partition that has files to read, with the files referenced from it or its ancestors; immutable.</summary>
public sealed class QueryPlanIndex(IReadOnlyList<(Partition Leaf, IReadOnlyList<string> Files)> leaves)
{
    public IReadOnlyList<(Partition Leaf, IReadOnlyList<string> Files)> Leaves { get; } = leaves;
}
