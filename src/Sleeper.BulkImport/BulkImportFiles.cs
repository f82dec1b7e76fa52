using System.Text;
using Sleeper.Core.Tables;

namespace Sleeper.BulkImport;

/// <summary>
/// Names of the data files a bulk import writes. A queued job's files carry its id, so a worker that finds them
/// in the table knows an earlier attempt of the job committed, and does not import the same rows twice.
/// </summary>
public static class BulkImportFiles
{
    /// <summary>A new data file name for a partition, in the form file references store (an object of the table's store).</summary>
    public static string NewDataFileName(SleeperTable table, string partitionId, string? jobId) =>
        $"{table.Id}/data/partition_{partitionId}/{Prefix(jobId)}{Guid.NewGuid()}.parquet";

    /// <summary>Whether a data file name is one a bulk import of this job wrote.</summary>
    public static bool IsFromJob(string filename, string jobId) =>
        Path.GetFileName(filename).StartsWith(Prefix(jobId), StringComparison.Ordinal);

    private static string Prefix(string? jobId) => jobId is null ? "" : $"bulk-import-{Safe(jobId)}-";

    // Job ids come from messages; only characters that are safe in any file name are kept.
    private static string Safe(string jobId)
    {
        var safe = new StringBuilder(Math.Min(jobId.Length, 64));
        foreach (var c in jobId.Take(64))
        {
            safe.Append(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' ? c : '_');
        }
        return safe.ToString();
    }
}
