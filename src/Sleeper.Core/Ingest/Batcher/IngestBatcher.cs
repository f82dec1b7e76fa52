using System.Globalization;
using Sleeper.Core.Properties;

namespace Sleeper.Core.Ingest.Batcher;

/// <summary>What one batching round decided for a table: the jobs to send (none while waiting) and why.</summary>
public sealed record IngestBatcherPlan(IReadOnlyList<IngestBatcherJob> Jobs, string Reason);

/// <summary>
/// The ingest batcher's rules, as Sleeper's: pending files are batched once, together, they reach both
/// <c>sleeper.table.ingest.batcher.job.min.size</c> and <c>.min.files</c>, or once the oldest has waited
/// <c>.file.max.age.seconds</c>. Then every pending file goes into a job, split so that no job holds more than
/// <c>.job.max.size</c> bytes or <c>.job.max.files</c> files; a single file bigger than the maximum size gets a
/// job of its own. No I/O: the caller supplies the pending files and records the jobs.
/// </summary>
/// <remarks>
/// Files are packed in arrival order, each job taking the next files until the following one would overflow it
/// (Sleeper packs first-fit instead, letting a later small file jump into an earlier job): so older files are in
/// earlier jobs, and a job's files are consecutive arrivals.
/// </remarks>
public sealed class IngestBatcher(TimeProvider time, Func<string>? newJobId = null)
{
    private readonly Func<string> _newJobId = newJobId ?? (() => Guid.NewGuid().ToString());

    /// <summary>Plans jobs for the pending files of every table, each table by its own properties; tables are never mixed in a job.</summary>
    public IReadOnlyList<IngestBatcherPlan> Plan(IReadOnlyList<FileIngestRequest> pendingOldestFirst, Func<string, SleeperProperties> tablePropertiesById, bool flush = false) =>
        pendingOldestFirst.GroupBy(f => f.TableId, StringComparer.Ordinal)
            .Select(table => Plan(table.Key, tablePropertiesById(table.Key), table.ToList(), flush))
            .ToList();

    /// <summary>
    /// Plans jobs for one table's pending files (in arrival order). With <paramref name="flush"/> every pending file
    /// is batched now, whatever the minimums; the maximums still split the jobs.
    /// </summary>
    public IngestBatcherPlan Plan(string tableId, SleeperProperties tableProperties, IReadOnlyList<FileIngestRequest> pendingOldestFirst, bool flush = false)
    {
        var other = pendingOldestFirst.FirstOrDefault(f => f.TableId != tableId);
        if (other is not null)
        {
            throw new ArgumentException($"File {other.File} is pending for table {other.TableId}, not {tableId}.", nameof(pendingOldestFirst));
        }
        if (pendingOldestFirst.Count == 0)
        {
            return new IngestBatcherPlan([], "no files are pending");
        }
        var now = time.GetUtcNow();
        var reason = "flushed: every pending file is sent, whatever the minimums";
        if (!flush)
        {
            var why = ReasonToBatch(tableProperties, pendingOldestFirst, now, out var waiting);
            if (why is null)
            {
                return new IngestBatcherPlan([], waiting);
            }
            reason = why;
        }
        var queue = IngestBatcherQueue.QueueNameFor(tableProperties);
        var jobs = Split(tableProperties, pendingOldestFirst)
            .Select(files => new IngestBatcherJob(_newJobId(), tableId, queue, files, now))
            .ToList();
        return new IngestBatcherPlan(jobs, reason);
    }

    /// <summary>Why the files should be batched now, or null (with what they wait for in <paramref name="waiting"/>).</summary>
    private static string? ReasonToBatch(SleeperProperties properties, IReadOnlyList<FileIngestRequest> pending, DateTimeOffset now, out string waiting)
    {
        var maxAge = TimeSpan.FromSeconds(properties.GetInt(TableProperty.BatcherFileMaxAgeSeconds));
        var oldest = pending.Min(f => f.ReceivedTime);
        var waited = now - oldest;
        var minFiles = properties.GetInt(TableProperty.BatcherJobMinFiles);
        var minBytes = properties.GetBytes(TableProperty.BatcherJobMinSize);
        var bytes = pending.Sum(f => f.FileSizeBytes);
        waiting = string.Create(CultureInfo.InvariantCulture,
            $"waiting: {pending.Count} of at least {minFiles} file(s) and {bytes:N0} of at least {minBytes:N0} bytes, the oldest file waited {waited.TotalSeconds:N0} of {maxAge.TotalSeconds:N0} s");
        if (waited >= maxAge)
        {
            return string.Create(CultureInfo.InvariantCulture, $"the oldest file waited {waited.TotalSeconds:N0} s, at least the maximum age of {maxAge.TotalSeconds:N0} s");
        }
        if (pending.Count >= minFiles && bytes >= minBytes)
        {
            return string.Create(CultureInfo.InvariantCulture, $"{pending.Count} file(s) of {bytes:N0} bytes meet the minimums of {minFiles} file(s) and {minBytes:N0} bytes");
        }
        return null;
    }

    private static List<List<FileIngestRequest>> Split(SleeperProperties properties, IReadOnlyList<FileIngestRequest> pending)
    {
        var maxFiles = properties.GetInt(TableProperty.BatcherJobMaxFiles);
        var maxBytes = properties.GetBytes(TableProperty.BatcherJobMaxSize);
        var jobs = new List<List<FileIngestRequest>>();
        var current = new List<FileIngestRequest>();
        long currentBytes = 0;
        foreach (var file in pending)
        {
            // An empty job takes any file, so one file over the maximum size still goes, alone.
            if (current.Count > 0 && (current.Count >= maxFiles || currentBytes + file.FileSizeBytes > maxBytes))
            {
                jobs.Add(current);
                current = [];
                currentBytes = 0;
            }
            current.Add(file);
            currentBytes += file.FileSizeBytes;
        }
        jobs.Add(current);
        return jobs;
    }
}
