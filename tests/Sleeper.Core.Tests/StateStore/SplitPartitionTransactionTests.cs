using Sleeper.Core.Keys;
using Sleeper.Core.Partitions;
using Sleeper.Core.Schema;
using Sleeper.Core.StateStore;
using Sleeper.Core.StateStore.Transactions;
using Field = Sleeper.Core.Schema.Field;

namespace Sleeper.Core.Tests.StateStore;

public class SplitPartitionTransactionTests
{
    private static readonly TableSchema Schema = new([new Field("a", IntType.Instance), new Field("b", ByteArrayType.Instance)]);

    private static StateStoreState State()
    {
        var state = new StateStoreState();
        new InitialisePartitionsTransaction(PartitionsBuilder.SingleRoot(Schema)).Apply(state, DateTimeOffset.UnixEpoch);
        return state;
    }

    private static Partition Root => PartitionsBuilder.SingleRoot(Schema)[0];

    [Fact]
    public void A_split_of_a_leaf_into_children_that_tile_it_is_valid_on_either_dimension()
    {
        foreach (var (dimension, value) in new (int, object)[] { (0, 5), (1, new byte[] { 1, 2 }) })
        {
            var state = State();
            var (parent, left, right) = PartitionsBuilder.Split(Root, dimension, value, "l", "r");
            var split = new SplitPartitionTransaction(parent, [left, right]);
            split.Validate(state);
            split.Apply(state, DateTimeOffset.UnixEpoch);
            Assert.False(state.Partitions["root"].IsLeaf);
            state.PartitionTree().Validate(Schema);
            var again = PartitionsBuilder.Split(Root, dimension, value, "l2", "r2");
            var e = Assert.Throws<StateStoreValidationException>(() => new SplitPartitionTransaction(again.Parent, [again.Left, again.Right]).Validate(state));
            Assert.Contains("no longer a leaf", e.Message);
        }
    }

    [Fact]
    public void Children_that_leave_a_gap_or_overlap_are_refused()
    {
        var (parent, left, right) = PartitionsBuilder.Split(Root, 0, 5, "l", "r");
        var gap = right with { Region = new Region([KeyRange.Of(Schema.RowKeyFields[0], 6, null), right.Region[1]]) };
        var e = Assert.Throws<StateStoreValidationException>(() => new SplitPartitionTransaction(parent, [left, gap]).Validate(State()));
        Assert.Contains("child 'r'", e.Message);
        var short_ = right with { Region = new Region([KeyRange.Of(Schema.RowKeyFields[0], 5, 100), right.Region[1]]) };
        e = Assert.Throws<StateStoreValidationException>(() => new SplitPartitionTransaction(parent, [left, short_]).Validate(State()));
        Assert.Contains("do not cover", e.Message);
    }

    [Fact]
    public void Children_that_differ_from_the_parent_on_another_dimension_are_refused()
    {
        var (parent, left, right) = PartitionsBuilder.Split(Root, 0, 5, "l", "r");
        var narrowed = left with { Region = new Region([left.Region[0], KeyRange.Of(Schema.RowKeyFields[1], new byte[] { 1 }, null)]) };
        Assert.Throws<StateStoreValidationException>(() => new SplitPartitionTransaction(parent, [narrowed, right]).Validate(State()));
    }

    [Fact]
    public void A_split_that_changes_the_parents_region_is_refused()
    {
        var bounded = Root with { Region = new Region([KeyRange.Of(Schema.RowKeyFields[0], 0, 10), Root.Region[1]]) };
        var (parent, left, right) = PartitionsBuilder.Split(bounded, 0, 5, "l", "r");
        var e = Assert.Throws<StateStoreValidationException>(() => new SplitPartitionTransaction(parent, [left, right]).Validate(State()));
        Assert.Contains("keep its parent and region", e.Message);
    }
}
