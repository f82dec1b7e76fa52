using Sleeper.Core.Partitions;

namespace Sleeper.Core.Splitting;

/// <summary>
/// A leaf partition that holds more rows than the table's split threshold, with the files whose sketches decide
/// where it splits: files wholly inside it with exact row counts, the largest first, at most
/// sleeper.partition.splitting.files.maximum of them.
/// </summary>
public sealed record SplitPartitionJob(string TableId, Partition Partition, IReadOnlyList<string> Filenames, long RowCount)
{
    public string PartitionId => Partition.Id;
}
