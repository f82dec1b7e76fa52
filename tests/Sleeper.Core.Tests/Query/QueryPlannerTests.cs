using Sleeper.Core.Files;
using Sleeper.Core.Keys;
using Sleeper.Core.Partitions;
using Sleeper.Core.Query;
using Sleeper.Core.Schema;
using Sleeper.Core.StateStore;
using Sleeper.Core.StateStore.Transactions;
using Xunit;

namespace Sleeper.Core.Tests.Query;

public class QueryPlannerTests
{
    private static readonly Field s_k = new("k", IntType.Instance);
    private static readonly TableSchema s_schema = new([s_k]);
    private static readonly DateTimeOffset s_time = DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000);

    // Leaves split at 10, 20, 30; ids from the builder are p0..p3 for leaves.
    private static (StateStoreState State, PartitionTree Tree) StateWithFiles(params (string File, int KeyInPartition, bool AtLeaf)[] files)
    {
        var n = 0;
        var partitions = PartitionsBuilder.FromSplitPoints(s_schema, [10, 20, 30], () => $"p{n++}");
        var state = new StateStoreState();
        new InitialisePartitionsTransaction(partitions).Apply(state, s_time);
        var tree = state.PartitionTree();
        var refs = files.Select(f =>
        {
            var leaf = tree.LeafFor(Key.Of(f.KeyInPartition));
            var p = f.AtLeaf ? leaf : tree.Get(leaf.ParentId!);
            return new FileReference(f.File, p.Id, 100);
        }).ToList();
        var tx = new AddFilesTransaction(refs);
        tx.Validate(state);
        tx.Apply(state, s_time);
        return (state, tree);
    }

    private static Region Range(int? min, int? max) => new([KeyRange.Of(s_k, min, max)]);

    [Fact]
    public void Only_leaves_overlapping_the_region_are_planned()
    {
        var (state, tree) = StateWithFiles(("a", 5, true), ("b", 15, true), ("c", 25, true), ("d", 35, true));

        var plan = QueryPlanner.Plan(state, [Range(12, 21)]);

        Assert.Equal(
            [tree.LeafFor(Key.Of(15)).Id, tree.LeafFor(Key.Of(25)).Id],
            plan.Select(q => q.Leaf.Id).Order(StringComparer.Ordinal));
        Assert.Equal(["b", "c"], plan.SelectMany(q => q.Files).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Region_ending_exactly_at_a_split_point_excludes_the_leaf_above()
    {
        var (state, _) = StateWithFiles(("a", 5, true), ("b", 15, true));

        var plan = QueryPlanner.Plan(state, [Range(null, 10)]);

        Assert.Equal(["a"], Assert.Single(plan).Files);
    }

    [Fact]
    public void Files_referenced_from_ancestors_are_read_by_each_leaf_below()
    {
        var (state, tree) = StateWithFiles(("leaf", 5, true), ("parent", 5, false), ("other", 25, false));
        var rootRef = new AddFilesTransaction([new FileReference("rootfile", "root", 10)]);
        rootRef.Apply(state, s_time);

        var plan = QueryPlanner.Plan(state, [Range(null, null)]);

        var first = plan.Single(q => q.Leaf.Id == tree.LeafFor(Key.Of(5)).Id);
        var second = plan.Single(q => q.Leaf.Id == tree.LeafFor(Key.Of(15)).Id);
        Assert.Equal(["leaf", "parent", "rootfile"], first.Files);
        Assert.Equal(["parent", "rootfile"], second.Files);
        Assert.Equal(4, plan.Count);
    }

    [Fact]
    public void Several_regions_in_one_leaf_read_each_file_once()
    {
        var (state, _) = StateWithFiles(("a", 5, true), ("p", 5, false));

        var plan = QueryPlanner.Plan(state, [Range(1, 3), Range(2, 4), Range(6, 7)]);

        var q = Assert.Single(plan);
        Assert.Equal(["a", "p"], q.Files);
        Assert.Equal(3, q.Regions.Count);
        Assert.All(plan, p => Assert.Equal(p.Files.Distinct().Count(), p.Files.Count));
    }

    [Fact]
    public void File_referenced_from_several_leaves_is_read_once_per_leaf()
    {
        var (state, tree) = StateWithFiles();
        new AddFilesTransaction(
        [
            new FileReference("shared", tree.LeafFor(Key.Of(5)).Id, 10),
            new FileReference("shared", tree.LeafFor(Key.Of(15)).Id, 10),
        ]).Apply(state, s_time);

        var plan = QueryPlanner.Plan(state, [Range(0, 20)]);

        Assert.Equal(2, plan.Count);
        Assert.All(plan, q => Assert.Equal(["shared"], q.Files));
    }

    [Fact]
    public void Empty_regions_and_leaves_without_files_are_not_planned()
    {
        var (state, _) = StateWithFiles(("a", 5, true));

        Assert.Empty(QueryPlanner.Plan(state, [Range(5, 5)]));
        Assert.Empty(QueryPlanner.Plan(state, [Range(15, 40)]));
        Assert.Empty(QueryPlanner.Plan(state, []));
    }

    [Fact]
    public void Exact_key_region_plans_the_one_leaf_holding_it()
    {
        var (state, tree) = StateWithFiles(("a", 5, true), ("b", 15, true), ("c", 25, true));

        var plan = QueryPlanner.Plan(state, [Region.ForKey(s_schema, Key.Of(20))]);

        Assert.Equal(tree.LeafFor(Key.Of(20)).Id, Assert.Single(plan).Leaf.Id);
        Assert.Equal(["c"], plan[0].Files);
    }
}
