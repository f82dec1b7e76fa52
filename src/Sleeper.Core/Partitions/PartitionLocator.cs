using System.Text;
using Apache.Arrow;
using Sleeper.Core.Keys;
using Sleeper.Core.Schema;

namespace Sleeper.Core.Partitions;

/// <summary>
/// Finds the leaf partition of each row of a columnar batch by walking the partition tree, comparing the
/// row-key columns directly (strings as UTF-8 bytes) with each node's split values.
/// </summary>
public sealed class PartitionLocator
{
    private readonly Node _root;

    // Set when every split is on the first row key: leaves are then intervals of it, in this order.
    private readonly (int LeafIndex, object Min)[]? _firstKeyIntervals;

    public PartitionLocator(PartitionTree tree, TableSchema schema)
    {
        Leaves = tree.Leaves.ToList();
        var leafIndex = Leaves.Select((l, i) => (l.Id, i)).ToDictionary(x => x.Id, x => x.i);
        _root = Build(tree, tree.Root, schema, leafIndex);
        if (tree.All.All(p => p.IsLeaf || p.Dimension == 0))
        {
            var type = schema.RowKeyTypes[0];
            _firstKeyIntervals = Leaves.Select((l, i) => (i, l.Region[0].Min))
                .OrderBy(x => x.Min, Comparer<object>.Create((a, b) => KeyValues.Compare(type, a, b)))
                .ToArray();
        }
    }

    /// <summary>
    /// As <see cref="Locate"/>, for a batch already sorted by key: when every split is on the first row key,
    /// each leaf's rows are one run, found by a binary search per leaf instead of a tree walk per row.
    /// </summary>
    public int[] LocateSorted(RecordBatch sortedBatch)
    {
        if (_firstKeyIntervals is null)
        {
            return Locate(sortedBatch);
        }
        var result = new int[sortedBatch.Length];
        var column = sortedBatch.Column(0);
        var start = 0;
        for (var i = 0; i < _firstKeyIntervals.Length && start < result.Length; i++)
        {
            var end = i + 1 < _firstKeyIntervals.Length
                ? Math.Max(start, Batches.KeySearch.LowerBound(column, _firstKeyIntervals[i + 1].Min))
                : result.Length;
            System.Array.Fill(result, _firstKeyIntervals[i].LeafIndex, start, end - start);
            start = end;
        }
        return result;
    }

    /// <summary>
    /// True when every split is on the first row key: in sorted order each leaf's rows are then one run, so once
    /// the rows move on from a leaf, none of its rows come again.
    /// </summary>
    public bool LeavesAreRunsInSortedOrder => _firstKeyIntervals is not null;

    /// <summary>When <see cref="LeavesAreRunsInSortedOrder"/>, the indexes of the leaves in key order; else null.</summary>
    public IReadOnlyList<int>? LeavesInKeyOrder => _firstKeyIntervals?.Select(x => x.LeafIndex).ToList();

    /// <summary>The leaves, in the order whose indexes <see cref="Locate"/> returns.</summary>
    public IReadOnlyList<Partition> Leaves { get; }

    /// <summary>For each row of the batch (row-key columns first, in schema order), the index of its leaf.</summary>
    public int[] Locate(RecordBatch batch)
    {
        var result = new int[batch.Length];
        if (_root.Children is null)
        {
            return result;
        }
        for (var row = 0; row < result.Length; row++)
        {
            var node = _root;
            while (node.Children is not null)
            {
                var column = batch.Column(node.Dimension);
                var child = 0;
                while (child < node.Boundaries!.Length && CompareRow(column, row, node.Boundaries[child]) >= 0)
                {
                    child++;
                }
                node = node.Children[child];
            }
            result[row] = node.LeafIndex;
        }
        return result;
    }

    private static int CompareRow(IArrowArray column, int row, object boundary) => column switch
    {
        Int32Array a => a.GetValue(row)!.Value.CompareTo((int)boundary),
        Int64Array a => a.GetValue(row)!.Value.CompareTo((long)boundary),
        StringArray a => a.GetBytes(row).SequenceCompareTo((byte[])boundary),
        BinaryArray a => a.GetBytes(row).SequenceCompareTo((byte[])boundary),
        _ => throw new SleeperException($"Cannot partition on a column of type {column.Data.DataType.Name}."),
    };

    private static Node Build(PartitionTree tree, Partition p, TableSchema schema, Dictionary<string, int> leafIndex)
    {
        if (p.IsLeaf)
        {
            return new Node { LeafIndex = leafIndex[p.Id] };
        }
        var d = p.Dimension;
        var type = schema.RowKeyTypes[d];
        var children = p.ChildIds.Select(tree.Get).ToList();
        children.Sort((a, b) => KeyValues.Compare(type, a.Region[d].Min, b.Region[d].Min));
        return new Node
        {
            Dimension = d,
            Boundaries = children.Skip(1).Select(c => Encode(c.Region[d].Min)).ToArray(),
            Children = children.Select(c => Build(tree, c, schema, leafIndex)).ToArray(),
        };
    }

    private static object Encode(object value) => value is string s ? Encoding.UTF8.GetBytes(s) : value;

    private sealed class Node
    {
        public int Dimension { get; init; }
        public object[]? Boundaries { get; init; }
        public Node[]? Children { get; init; }
        public int LeafIndex { get; init; } = -1;
    }
}
