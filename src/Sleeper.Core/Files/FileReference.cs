namespace Sleeper.Core.Files;

/// <summary>
/// A partition's reference to a data file: the part of the file inside that partition. One file may be
/// referenced from several partitions whose regions do not overlap.
/// </summary>
public sealed record FileReference(
    string Filename,
    string PartitionId,
    long NumberOfRows,
    bool CountApproximate = false,
    bool OnlyContainsDataForThisPartition = true,
    string? JobId = null,
    DateTimeOffset? LastUpdateTime = null);

/// <summary>A data file and every reference to it; a file with no references waits for garbage collection.</summary>
public sealed record AllReferencesToAFile(string Filename, IReadOnlyList<FileReference> References, DateTimeOffset LastStateStoreUpdateTime)
{
    public int ReferenceCount => References.Count;
}
