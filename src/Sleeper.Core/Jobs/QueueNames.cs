namespace Sleeper.Core.Jobs;

/// <summary>The names of an instance's job queues (folders of the embedded queue, queue names when distributed).</summary>
public static class QueueNames
{
    public const string Compaction = "compaction";
    public const string Ingest = "ingest";
    public const string BulkImport = "bulk-import";

    /// <summary>Queued queries and their leaf sub-queries (<c>sleeper worker query</c>).</summary>
    public const string Query = "query";
}
