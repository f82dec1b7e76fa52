namespace Sleeper.Core.Storage;

/// <summary>
/// The local scratch space where ingests and bulk imports spill sorted runs that do not fit in memory. Each
/// run's folder is removed when its ingest ends, but a process killed while it spilled cannot remove its own;
/// garbage collection asks the scratch space to remove those leftovers, so they do not pile up until the next
/// ingest on the same machine happens to.
/// </summary>
public interface IScratchSpace
{
    /// <summary>Where the scratch space is, for messages.</summary>
    string Location { get; }

    /// <summary>Removes the folders of processes that are gone (never one in use); returns how many it removed.</summary>
    int RemoveLeftovers();
}
