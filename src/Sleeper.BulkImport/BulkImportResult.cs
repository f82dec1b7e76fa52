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
    TimeSpan Elapsed,
    BulkImportTimings Timings)
{
    public double RowsPerSecond => RowsWritten / Math.Max(Elapsed.TotalSeconds, 1e-9);
}

/// <summary>Where a bulk import's time went, stage by stage (each stage uses every thread).</summary>
public sealed record BulkImportTimings(TimeSpan PreSplit, TimeSpan Read, TimeSpan SortAndWrite, TimeSpan Commit)
{
    public override string ToString() =>
        $"pre-split {PreSplit.TotalSeconds:F2} s, read and partition {Read.TotalSeconds:F2} s, sort and write {SortAndWrite.TotalSeconds:F2} s, commit {Commit.TotalSeconds:F2} s";
}
