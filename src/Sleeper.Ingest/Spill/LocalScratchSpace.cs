using Sleeper.Core.Storage;

namespace Sleeper.Ingest.Spill;

/// <summary>
/// The scratch space of this machine: the folder an instance names in <c>sleeper.ingest.scratch.folder</c>, or
/// the system's temporary folder. It holds the ingests' scratch folders and bulk import's spill folders, both
/// named after the process that made them (<see cref="ScratchFolderLeftovers"/>).
/// </summary>
public sealed class LocalScratchSpace(string? parent) : IScratchSpace
{
    /// <summary>How bulk import's spill folders are named: <c>sleeper-bulk-import-&lt;pid&gt;-&lt;guid&gt;</c>.</summary>
    public const string BulkImportPrefix = "sleeper-bulk-import-";

    /// <summary>Every kind of folder that spills make here.</summary>
    public static IReadOnlyList<string> Prefixes { get; } = [ScratchFolder.Prefix, BulkImportPrefix];

    public string Location { get; } = string.IsNullOrEmpty(parent) ? Path.GetTempPath() : parent;

    public int RemoveLeftovers() => Prefixes.Sum(prefix => ScratchFolderLeftovers.Remove(Location, prefix));
}
