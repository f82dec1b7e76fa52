using Sleeper.Core.Files;

namespace Sleeper.BulkImport;

/// <summary>What a bulk import committed.</summary>
/// <param name="LeafPartitionsBefore">Leaf partitions the table had when the import started.</param>
/// <param name="LeafPartitions">Leaf partitions the rows were partitioned over (after any pre-split).</param>
/// <param name="PartitionsAddedByPreSplit">Leaves this import's pre-split added (0 when it did not pre-split).</param>
/// <param name="SpilledRuns">Sorted runs written to scratch files because the rows did not fit in memory.</param>
public sealed record BulkImportResult(
    long RowsWritten,
    int FilesWritten,
    int LeafPartitionsBefore,
    int LeafPartitions,
    int PartitionsAddedByPreSplit,
    int SpilledRuns,
    IReadOnlyList<FileReference> References,
    TimeSpan Elapsed)
{
    public double RowsPerSecond => RowsWritten / Math.Max(Elapsed.TotalSeconds, 1e-9);
}
