namespace Sleeper.Core.Ingest.Batcher;

/// <summary>
/// One change to a table's ingest batcher record. A store may keep these as an ordered log (appending each only
/// if nobody appended first) and fold them into an <see cref="IngestBatcherTableState"/>.
/// </summary>
public abstract record IngestBatcherLogEntry(DateTimeOffset Time);

/// <summary>Files became pending.</summary>
public sealed record FilesAddedEntry(DateTimeOffset Time, IReadOnlyList<FileIngestRequest> Files) : IngestBatcherLogEntry(Time);

/// <summary>Jobs were made: their files are no longer pending.</summary>
public sealed record JobsAssignedEntry(DateTimeOffset Time, IReadOnlyList<IngestBatcherJob> Jobs) : IngestBatcherLogEntry(Time);

/// <summary>The jobs' messages went to their queues.</summary>
public sealed record JobsSentEntry(DateTimeOffset Time, IReadOnlyList<string> JobIds) : IngestBatcherLogEntry(Time);
