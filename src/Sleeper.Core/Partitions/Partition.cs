using Sleeper.Core.Keys;

namespace Sleeper.Core.Partitions;

/// <summary>
/// A node of a table's partition tree. Leaves hold the table's data; a non-leaf was split on
/// <see cref="Dimension"/> into its children, and may still be referenced by files written before the split.
/// </summary>
public sealed record Partition(
    string Id,
    string? ParentId,
    IReadOnlyList<string> ChildIds,
    Region Region,
    bool IsLeaf,
    int Dimension)
{
    public static Partition Leaf(string id, string? parentId, Region region) => new(id, parentId, [], region, true, -1);

    public bool Equals(Partition? other) => other is not null && Id == other.Id && ParentId == other.ParentId
        && ChildIds.SequenceEqual(other.ChildIds) && Region.Equals(other.Region) && IsLeaf == other.IsLeaf
        && Dimension == other.Dimension;

    public override int GetHashCode() => Id.GetHashCode();
}
