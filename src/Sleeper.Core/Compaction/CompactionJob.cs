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
    DateTimeOffset CreatedTime)
{
    private const string ParquetExtension = ".parquet";

    /// <summary>
    /// The output name of an attempt that finds <see cref="OutputFile"/> taken: by what an earlier attempt left
    /// when it died between writing and committing, or by an attempt still running. Every attempt's name starts
    /// with the job's own, so a job's outputs can be found by prefix.
    /// </summary>
    public string AttemptOutputFile(string attemptId) => $"{OutputStem}.{attemptId}{ParquetExtension}";

    /// <summary>Whether <paramref name="filename"/> is the output of some attempt at this job.</summary>
    public bool IsOutputOfAnAttempt(string filename) =>
        filename == OutputFile || (filename.StartsWith(OutputStem + ".", StringComparison.Ordinal) && filename.EndsWith(ParquetExtension, StringComparison.Ordinal));

    private string OutputStem => OutputFile.EndsWith(ParquetExtension, StringComparison.Ordinal) ? OutputFile[..^ParquetExtension.Length] : OutputFile;
}
