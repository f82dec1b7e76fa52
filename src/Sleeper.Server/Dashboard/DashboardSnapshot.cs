using System.Text.Json;
using System.Text.Json.Nodes;
using Sleeper.Core;
using Sleeper.Core.Jobs;
using Sleeper.Core.Notifications;
using Sleeper.Core.Storage;
using Sleeper.Core.Tables;
using Sleeper.Core.Tracking;
using Sleeper.Instance;
using Sleeper.Reports;
using Sleeper.Server.Serving;

namespace Sleeper.Server.Dashboard;

/// <summary>
/// Everything the dashboard shows, read in one go so the page refreshes with one request: the tables with their
/// partition trees (rows and file references per partition), the queues' depths, the running tasks and jobs, the
/// throughput of compaction and ingest per time bucket from the job trackers, and the newest events of the event log.
/// Figures come from the same stores the CLI's reports read; nothing here is kept between requests.
/// </summary>
public static class DashboardSnapshot
{
    /// <summary>Buckets in a throughput series: enough for a smooth line, few enough to read per bar.</summary>
    public const int Buckets = 60;

    /// <summary>The newest events shown; the page is a glance, `sleeper events` has the rest.</summary>
    public const int RecentEvents = 20;

    /// <summary>
    /// The newest running tasks and jobs shown. A task or job whose process died never records its end, so the
    /// trackers' "running" grows over an instance's life; the counts say how many there are in all.
    /// </summary>
    public const int RunningShown = 20;

    private static readonly string[] Queues = [QueueNames.Compaction, QueueNames.Ingest, QueueNames.BulkImport, QueueNames.Query];

    private static readonly JsonSerializerOptions EventJson = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    /// <param name="served">The server's open tables, whose state stores follow their logs incrementally: a refresh reads only what is new.</param>
    public static async Task<JsonObject> BuildAsync(SleeperInstance instance, ServedTables served, TimeSpan window, CancellationToken cancellationToken)
    {
        var now = instance.Time.GetUtcNow();
        var statuses = await instance.ListTablesAsync(cancellationToken);
        var tableNames = statuses.ToDictionary(s => s.TableId, s => s.TableName, StringComparer.Ordinal);
        var tables = new JsonArray();
        foreach (var status in statuses.OrderBy(s => s.TableName, StringComparer.Ordinal))
        {
            ServedTable table;
            try
            {
                table = await served.GetAsync(status.TableName, requireOnline: false, cancellationToken);
            }
            catch (TableNotFoundException)
            {
                continue; // Deleted since it was listed: the next refresh does not list it either.
            }
            tables.Add(await TableAsync(status, table.Table, cancellationToken));
        }
        var trackers = new (string Kind, IJobTracker Tracker)[]
        {
            ("compaction", instance.CompactionTracker), ("ingest", instance.IngestTracker), ("bulk-import", instance.BulkImportTracker),
        };
        var jobs = new Dictionary<string, IReadOnlyList<JobStatus>>(StringComparer.Ordinal);
        var tasks = new List<(string Kind, JobTaskStatus Task)>();
        foreach (var (kind, tracker) in trackers.Append(("query", instance.QueryTaskTracker)))
        {
            if (kind != "query")
            {
                jobs[kind] = JobStatus.Fold(await tracker.ReadJobEventsAsync(null, cancellationToken));
            }
            tasks.AddRange(JobTaskStatus.Fold(await tracker.ReadTaskEventsAsync(cancellationToken)).Where(t => t.Finished is null).Select(t => (kind, t)));
        }
        var running = jobs.SelectMany(k => k.Value.Where(j => j.State == "running").Select(j => (Kind: k.Key, Job: j))).ToList();
        var queues = new JsonArray();
        foreach (var name in Queues)
        {
            var depth = await instance.Queue(name).GetDepthAsync(cancellationToken);
            queues.Add(new JsonObject { ["name"] = name, ["visible"] = depth.Visible, ["inFlight"] = depth.InFlight, ["deadLetters"] = depth.DeadLetters });
        }
        var bucket = window / Buckets;
        var start = now - window;
        return new JsonObject
        {
            ["generatedAt"] = now,
            ["instance"] = instance.Location.Text,
            ["tables"] = tables,
            ["queues"] = queues,
            ["runningTaskCount"] = tasks.Count,
            ["runningTasks"] = new JsonArray([.. tasks.OrderByDescending(t => t.Task.Started).Take(RunningShown).Select(t => (JsonNode)new JsonObject
            {
                ["kind"] = t.Kind, ["taskId"] = t.Task.TaskId, ["started"] = t.Task.Started,
            })]),
            ["runningJobCount"] = running.Count,
            ["runningJobs"] = new JsonArray([.. running.OrderByDescending(r => r.Job.Started).Take(RunningShown).Select(r => (JsonNode)new JsonObject
            {
                ["kind"] = r.Kind, ["jobId"] = r.Job.JobId, ["table"] = tableNames.GetValueOrDefault(r.Job.TableId, r.Job.TableId),
                ["partitionId"] = r.Job.PartitionId, ["taskId"] = r.Job.TaskId, ["started"] = r.Job.Started,
            })]),
            ["throughput"] = new JsonObject
            {
                ["start"] = start,
                ["bucketSeconds"] = bucket.TotalSeconds,
                ["compaction"] = Series(jobs["compaction"], start, bucket),
                ["ingest"] = Series(jobs["ingest"].Concat(jobs["bulk-import"]), start, bucket),
            },
            ["recentEvents"] = await RecentEventsAsync(instance, tableNames, cancellationToken),
        };
    }

    /// <summary>
    /// One table's figures (those of Sleeper's table metrics) and its partitions report, each partition with its
    /// depth in the tree for drawing; the same builders as <c>sleeper status</c>, over the shared read state.
    /// </summary>
    private static async Task<JsonObject> TableAsync(TableStatus status, SleeperTable table, CancellationToken cancellationToken)
    {
        var read = await table.StateStore.GetReadStateAsync(cancellationToken);
        var partitions = TableStateReports.Partitions(table, read.State);
        // Parents come before their children in the report, so each depth is known when its children are reached.
        var depths = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var node in partitions)
        {
            var p = node!.AsObject();
            var depth = p["parentId"]?.GetValue<string>() is { } parent && depths.TryGetValue(parent, out var d) ? d + 1 : 0;
            depths[p["id"]!.GetValue<string>()] = depth;
            p["depth"] = depth;
        }
        return new JsonObject
        {
            ["name"] = table.Name,
            ["id"] = table.Id,
            ["online"] = status.Online, // the index's, not that of the table as opened
            ["transactionNumber"] = read.TransactionNumber,
            ["metrics"] = TableStateReports.Metrics(read.State),
            ["rowKeyFields"] = new JsonArray([.. table.Schema.RowKeyFields.Select(f => (JsonNode)new JsonObject { ["name"] = f.Name, ["type"] = f.Type.Name })]),
            ["partitions"] = partitions,
        };
    }

    /// <summary>Jobs and rows per bucket, by the time each job finished (committed when it says so, finished otherwise).</summary>
    private static JsonArray Series(IEnumerable<JobStatus> jobs, DateTimeOffset start, TimeSpan bucket)
    {
        var counts = new int[Buckets];
        var rows = new long[Buckets];
        foreach (var job in jobs)
        {
            if ((job.Committed ?? job.Finished) is not { } done || done < start)
            {
                continue;
            }
            var i = Math.Min(Buckets - 1, (int)((done - start) / bucket));
            counts[i]++;
            rows[i] += job.RowsWritten ?? job.RowsRead ?? 0;
        }
        return new JsonArray([.. Enumerable.Range(0, Buckets).Select(i => (JsonNode)new JsonObject { ["jobs"] = counts[i], ["rows"] = rows[i] })]);
    }

    /// <summary>
    /// The newest events, newest first. The log's object names sort by time, so only the last few are read, not
    /// the whole log as <see cref="EventLog.ReadAsync"/> would.
    /// </summary>
    private static async Task<JsonArray> RecentEventsAsync(SleeperInstance instance, Dictionary<string, string> tableNames, CancellationToken cancellationToken)
    {
        var names = new List<string>();
        await foreach (var stored in instance.Objects.ListAsync(EventLog.Folder, cancellationToken))
        {
            if (stored.Name.EndsWith(".json", StringComparison.Ordinal))
            {
                names.Add(stored.Name);
            }
        }
        names.Sort(StringComparer.Ordinal);
        var events = new JsonArray();
        foreach (var name in Enumerable.Reverse(names).Take(RecentEvents))
        {
            InstanceEvent? read;
            try
            {
                read = JsonSerializer.Deserialize<InstanceEvent>(await instance.Objects.ReadAllTextAsync(name, cancellationToken), EventJson);
            }
            catch (Exception e) when (e is ObjectNotFoundException or JsonException)
            {
                continue; // Pruned since it was listed, or not an event: the page shows the others.
            }
            if (read is null)
            {
                continue;
            }
            events.Add(new JsonObject
            {
                ["time"] = read.Time,
                ["kind"] = read.Kind,
                ["severity"] = read.Severity.ToString().ToLowerInvariant(),
                ["message"] = read.Message,
                ["table"] = read.TableId is null ? null : tableNames.GetValueOrDefault(read.TableId, read.TableId),
                ["jobId"] = read.JobId,
            });
        }
        return events;
    }
}
