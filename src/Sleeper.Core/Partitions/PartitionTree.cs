using Sleeper.Core.Keys;
using Sleeper.Core.Schema;

namespace Sleeper.Core.Partitions;

/// <summary>An indexed, read-only view of a table's partitions as a tree.</summary>
public sealed class PartitionTree
{
    private readonly Dictionary<string, Partition> _byId;

    public PartitionTree(IEnumerable<Partition> partitions)
    {
        _byId = new Dictionary<string, Partition>(StringComparer.Ordinal);
        foreach (var p in partitions)
        {
            if (!_byId.TryAdd(p.Id, p))
            {
                throw new SleeperException($"Partition id '{p.Id}' is used more than once.");
            }
        }
        var roots = _byId.Values.Where(p => p.ParentId is null).Select(p => p.Id).ToList();
        Root = roots.Count == 1 ? _byId[roots[0]]
            : throw new SleeperException($"The partition tree has {roots.Count} roots ({string.Join(", ", roots)}); it needs exactly one.");
        Leaves = _byId.Values.Where(p => p.IsLeaf).ToArray();
    }

    public Partition Root { get; }

    public IReadOnlyCollection<Partition> All => _byId.Values;

    public IReadOnlyList<Partition> Leaves { get; }

    public Partition Get(string id) => _byId.TryGetValue(id, out var p) ? p
        : throw new SleeperException($"Partition '{id}' does not exist.");

    public bool TryGet(string id, out Partition partition) => _byId.TryGetValue(id, out partition!);

    /// <summary>The partition's ancestors, parent first, root last.</summary>
    public IEnumerable<Partition> AncestorsOf(string id)
    {
        var p = Get(id);
        while (p.ParentId is not null)
        {
            p = Get(p.ParentId);
            yield return p;
        }
    }

    /// <summary>The leaf whose region holds the key, found by walking down from the root.</summary>
    public Partition LeafFor(Key key)
    {
        var p = Root;
        while (!p.IsLeaf)
        {
            p = p.ChildIds.Select(Get).FirstOrDefault(c => c.Region.Contains(key))
                ?? throw new SleeperException($"No child of partition '{p.Id}' holds key {key}: the partition tree is inconsistent.");
        }
        return p;
    }

    public IEnumerable<Partition> LeavesOverlapping(Region region) => Leaves.Where(l => l.Region.Overlaps(region));

    /// <summary>Leaves under a partition (itself if it is a leaf).</summary>
    public IEnumerable<Partition> LeavesUnder(string id)
    {
        var p = Get(id);
        if (p.IsLeaf)
        {
            yield return p;
            yield break;
        }
        foreach (var child in p.ChildIds)
        {
            foreach (var leaf in LeavesUnder(child))
            {
                yield return leaf;
            }
        }
    }

    /// <summary>
    /// Checks the invariants: every child names its parent, children split their parent's region on its
    /// dimension with no gap or overlap, and leaves have no children.
    /// </summary>
    public void Validate(TableSchema schema)
    {
        if (Root.Region.Ranges.Count == schema.RowKeyFields.Count && !Root.Region.Equals(Region.Whole(schema)))
        {
            throw new SleeperException($"The root partition '{Root.Id}' covers {Root.Region}, not the whole key space.");
        }
        foreach (var p in _byId.Values)
        {
            if (p.Region.Ranges.Count != schema.RowKeyFields.Count)
            {
                throw new SleeperException($"Partition '{p.Id}' has {p.Region.Ranges.Count} ranges; the schema has {schema.RowKeyFields.Count} row-key fields.");
            }
            if (p.IsLeaf != (p.ChildIds.Count == 0))
            {
                throw new SleeperException($"Partition '{p.Id}' is {(p.IsLeaf ? "a leaf with children" : "not a leaf but has no children")}.");
            }
            if (p.ParentId is not null && (!_byId.TryGetValue(p.ParentId, out var parent) || !parent.ChildIds.Contains(p.Id)))
            {
                throw new SleeperException($"Partition '{p.Id}' names parent '{p.ParentId}', which does not list it as a child.");
            }
            if (!p.IsLeaf)
            {
                ValidateChildren(p, schema);
            }
        }
        var reachable = new HashSet<string>();
        var stack = new Stack<string>([Root.Id]);
        while (stack.Count > 0)
        {
            var id = stack.Pop();
            if (!reachable.Add(id))
            {
                throw new SleeperException($"Partition '{id}' is reached twice: the partitions do not form a tree.");
            }
            foreach (var c in Get(id).ChildIds)
            {
                stack.Push(c);
            }
        }
        if (reachable.Count != _byId.Count)
        {
            throw new SleeperException("Some partitions cannot be reached from the root.");
        }
    }

    private void ValidateChildren(Partition p, TableSchema schema)
    {
        var d = p.Dimension;
        if (d < 0 || d >= schema.RowKeyFields.Count)
        {
            throw new SleeperException($"Partition '{p.Id}' was split on dimension {d}, which the schema does not have.");
        }
        var type = schema.RowKeyTypes[d];
        var children = p.ChildIds.Select(id => _byId.TryGetValue(id, out var c) ? c
            : throw new SleeperException($"Partition '{p.Id}' names child '{id}', which does not exist.")).ToList();
        children.Sort((a, b) => KeyValues.Compare(type, a.Region[d].Min, b.Region[d].Min));
        object? expectedMin = p.Region[d].Min;
        foreach (var child in children)
        {
            for (var i = 0; i < schema.RowKeyFields.Count; i++)
            {
                if (i != d && !Equals(new Region([child.Region[i]]), new Region([p.Region[i]])))
                {
                    throw new SleeperException($"Partition '{child.Id}' differs from its parent '{p.Id}' on dimension {i}, which was not split.");
                }
            }
            if (expectedMin is null)
            {
                throw new SleeperException($"The children of partition '{p.Id}' overlap: '{child.Id}' starts after a child that reaches to the end of dimension {d}.");
            }
            if (KeyValues.Compare(type, child.Region[d].Min, expectedMin) != 0)
            {
                throw new SleeperException($"The children of partition '{p.Id}' leave a gap or overlap at {KeyValues.Format(expectedMin)}.");
            }
            expectedMin = child.Region[d].Max;
        }
        var parentMax = p.Region[d].Max;
        if (!KeyValues.ValueEquals(expectedMin, parentMax))
        {
            throw new SleeperException($"The children of partition '{p.Id}' do not cover its region on dimension {d}.");
        }
    }
}
