using Sleeper.Core.Keys;
using Sleeper.Core.Partitions;

namespace Sleeper.Core.Query;

/// <summary>
/// The part of a query that one leaf partition answers: the query regions that meet the leaf, and the files
/// referenced from the leaf or its ancestors. Only rows inside the leaf's region are taken from those files,
/// so a file referenced from several leaves yields each row once.
/// </summary>
public sealed record LeafPartitionQuery(Partition Leaf, IReadOnlyList<Region> Regions, IReadOnlyList<string> Files);
