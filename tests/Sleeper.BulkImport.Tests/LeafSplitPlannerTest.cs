using Sleeper.BulkImport.Partitioning;
using Sleeper.Core.Partitions;

namespace Sleeper.BulkImport.Tests;

public sealed class LeafSplitPlannerTest
{
    [Fact]
    public void Each_leaf_is_split_at_the_points_strictly_inside_it_and_points_on_boundaries_are_dropped()
    {
        var schema = TestTable.Schema;
        var tree = new PartitionTree(PartitionsBuilder.FromSplitPoints(schema, ["m"]));

        var transaction = LeafSplitPlanner.Plan(tree, schema, ["", "c", "f", "f", "m", "p", "x"])!;

        var all = tree.All.Where(p => transaction.UpdatedPartitions.All(u => u.Id != p.Id))
            .Concat(transaction.UpdatedPartitions).Concat(transaction.NewPartitions).ToList();
        var extended = new PartitionTree(all);
        extended.Validate(schema);
        var mins = extended.Leaves.Select(l => (string)l.Region[0].Min).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(["", "c", "f", "m", "p", "x"], mins);
        Assert.Equal(2, transaction.UpdatedPartitions.Count);
        Assert.All(transaction.UpdatedPartitions, p => Assert.False(p.IsLeaf));
    }

    [Fact]
    public void No_point_inside_any_leaf_means_no_split()
    {
        var schema = TestTable.Schema;
        var tree = new PartitionTree(PartitionsBuilder.FromSplitPoints(schema, ["m"]));

        Assert.Null(LeafSplitPlanner.Plan(tree, schema, ["m", ""]));
    }
}

/// <summary>The pre-split reaches the minimum leaf count whenever the input has keys enough, whatever the input and minimum.</summary>
public sealed class PreSplitMinimumTest
{
    private static readonly Sleeper.Core.Schema.TableSchema Schema = TestTable.Schema;

    [Theory]
    [InlineData(16)]
    [InlineData(64)]
    public void A_skewed_input_with_plenty_of_keys_is_split_into_at_least_the_minimum(int minLeaves)
    {
        // Many rows share a few hot keys, so equal-rank quantiles repeat: the case that gave 15 of 16 and 59 of 64.
        var random = new Random(minLeaves);
        var keys = Enumerable.Range(0, 40_000).Select(i => random.Next(4) == 0 ? $"k{random.Next(5000):D5}" : $"hot{random.Next(3)}").ToList();
        Assert.True(LeavesAfterPreSplit(new PartitionTree(PartitionsBuilder.SingleRoot(Schema)), keys, minLeaves, seed: 1) >= minLeaves);
    }

    [Fact]
    public void Across_random_inputs_trees_and_minimums_the_leaves_reach_the_minimum_or_every_distinct_key_is_a_boundary()
    {
        for (var seed = 0; seed < 80; seed++)
        {
            var random = new Random(seed);
            var minLeaves = random.Next(2, 100);
            var distinct = random.Next(1, 3 * minLeaves);
            var universe = Enumerable.Range(0, distinct).Select(_ => RandomKey(random)).Distinct().ToList();
            // Each key often enough that the sketch keeps it; some keys far more often than others.
            var rows = new List<string>();
            foreach (var key in universe)
            {
                rows.AddRange(Enumerable.Repeat(key, 30 + (random.Next(4) == 0 ? random.Next(500) : random.Next(30))));
            }
            rows = [.. rows.OrderBy(_ => random.Next())];
            var existing = Enumerable.Range(0, random.Next(0, 5)).Select(_ => RandomKey(random))
                .Concat(random.Next(2) == 0 ? universe.Take(2) : [])
                .Where(k => k.Length > 0).Distinct().Order(StringComparer.Ordinal).Cast<object>().ToList();
            var tree = new PartitionTree(PartitionsBuilder.FromSplitPoints(Schema, existing));
            var mins = tree.Leaves.Select(l => (string)l.Region[0].Min).ToHashSet();
            var achievable = tree.Leaves.Count + universe.Count(k => !mins.Contains(k));

            var leaves = LeavesAfterPreSplit(tree, rows, minLeaves, seed);

            Assert.True(leaves >= Math.Min(minLeaves, achievable),
                $"seed {seed}: {leaves} leaves, but the minimum is {minLeaves} and {achievable} were possible ({universe.Count} distinct keys, {tree.Leaves.Count} leaves before).");
        }
    }

    private static string RandomKey(Random random) =>
        new(Enumerable.Range(0, random.Next(0, 4)).Select(_ => (char)('a' + random.Next(6))).ToArray());

    private static int LeavesAfterPreSplit(PartitionTree tree, IReadOnlyList<string> keys, int minLeaves, int seed)
    {
        var sketch = new Sleeper.Core.Sketches.RowKeySketches(Schema, random: new Random(seed)).Fields[0];
        foreach (var key in keys)
        {
            sketch.Update(key);
        }
        var points = LeafSplitPlanner.ChooseSplitPoints(tree, Schema, sketch, minLeaves);
        var transaction = LeafSplitPlanner.Plan(tree, Schema, points);
        if (transaction is null)
        {
            return tree.Leaves.Count;
        }
        var all = tree.All.Where(p => transaction.UpdatedPartitions.All(u => u.Id != p.Id))
            .Concat(transaction.UpdatedPartitions).Concat(transaction.NewPartitions).ToList();
        var extended = new PartitionTree(all);
        extended.Validate(Schema);
        return extended.Leaves.Count;
    }
}
