namespace Sleeper.Core.Compaction;

/// <summary>
/// One compaction job: merge the input files' references in one partition into one output file. Its inputs
/// are assigned to it in the state store (AssignJobIds) before it is queued, so no file is in two jobs.
/// </summary>
public sealed record CompactionJob(
    string JobId,
    string TableId,
    string TableName,
    string PartitionId,
    IReadOnlyList<string> InputFiles,
    string OutputFile,
    DateTimeOffset CreatedTime);
