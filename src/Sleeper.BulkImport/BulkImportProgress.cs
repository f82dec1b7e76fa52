namespace Sleeper.BulkImport;

/// <summary>The stages of a bulk import, in order.</summary>
public enum BulkImportStage
{
    /// <summary>Reading the first row key of every input to sketch it, before pre-splitting the table.</summary>
    Sketching,

    /// <summary>Reading every row, finding its leaf partition and buffering it (spilling sorted runs when memory is full).</summary>
    Reading,

    /// <summary>Sorting each leaf partition's rows and writing its file.</summary>
    Writing,

    /// <summary>Committing the files in one transaction.</summary>
    Committing,
}

/// <summary>A snapshot of a running bulk import, for progress bars.</summary>
public sealed record BulkImportProgress(
    BulkImportStage Stage,
    long RowsRead,
    long RowsSketched,
    int LeafPartitions,
    int PartitionsAddedByPreSplit,
    int LeavesWritten,
    int LeavesToWrite,
    int SpilledRuns);
