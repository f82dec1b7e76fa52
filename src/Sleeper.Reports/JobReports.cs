using System.Text.Json.Nodes;
using Sleeper.Core.Tracking;
using Sleeper.Instance;

namespace Sleeper.Reports;

/// <summary>The job and task reports: each tracked job's state, times, rows and rate; each task's run.</summary>
public static class JobReports
{
    /// <summary>compaction-jobs: [{"jobId","tableId","partitionId","state",…}] for the jobs of these tables.</summary>
    public static async Task<JsonArray> CompactionJobsAsync(SleeperInstance instance, IReadOnlyList<string> tableNames, CancellationToken cancellationToken)
    {
        var tableIds = (await instance.GetTableStatusesAsync(tableNames, cancellationToken).ConfigureAwait(false)).Select(t => t.TableId).ToHashSet();
        var jobs = JobStatus.Fold(await instance.CompactionTracker.ReadJobEventsAsync(null, cancellationToken).ConfigureAwait(false))
            .Where(j => tableIds.Contains(j.TableId));
        return new JsonArray(jobs.Select(j => (JsonNode)ReportJson.Job(j, ("partitionId", j.PartitionId))).ToArray());
    }

    /// <summary>
    /// ingest-jobs (or bulk-import-jobs, from that tracker): [{"jobId","tableId","tableName","files",
    /// "state",…}] for the jobs of these tables.
    /// </summary>
    public static async Task<JsonArray> IngestJobsAsync(SleeperInstance instance, IJobTracker tracker, IReadOnlyList<string> tableNames, CancellationToken cancellationToken)
    {
        var tables = (await instance.GetTableStatusesAsync(tableNames, cancellationToken).ConfigureAwait(false)).ToDictionary(t => t.TableId, t => t.TableName);
        var jobs = JobStatus.Fold(await tracker.ReadJobEventsAsync(null, cancellationToken).ConfigureAwait(false)).Where(j => tables.ContainsKey(j.TableId));
        return new JsonArray(jobs.Select(j => (JsonNode)ReportJson.Job(j, ("tableName", tables[j.TableId]),
            ("files", j.Files is { } files ? new JsonArray(files.Select(f => (JsonNode)JsonValue.Create(f)).ToArray()) : null))).ToArray());
    }

    /// <summary>compaction-tasks or ingest-tasks: [{"taskId","started","finished","jobsRun","rowsRead","rowsWritten"}] from that tracker, oldest first.</summary>
    public static async Task<JsonArray> TasksAsync(IJobTracker tracker, CancellationToken cancellationToken) =>
        new(JobTaskStatus.Fold(await tracker.ReadTaskEventsAsync(cancellationToken).ConfigureAwait(false)).Select(t => (JsonNode)ReportJson.Task(t)).ToArray());
}
