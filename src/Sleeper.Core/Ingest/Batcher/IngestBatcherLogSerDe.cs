using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Sleeper.Core.Ingest.Batcher;

/// <summary>The JSON form of ingest batcher log entries: {"type", "time", …}, times as ISO 8601 round-trip strings.</summary>
public static class IngestBatcherLogSerDe
{
    private const string FilesAdded = "FilesAdded";
    private const string JobsAssigned = "JobsAssigned";
    private const string JobsSent = "JobsSent";

    public static string ToJson(string tableId, IngestBatcherLogEntry entry)
    {
        var json = new JsonObject { ["tableId"] = tableId, ["time"] = Time(entry.Time) };
        switch (entry)
        {
            case FilesAddedEntry added:
                json["type"] = FilesAdded;
                json["files"] = Files(added.Files);
                break;
            case JobsAssignedEntry assigned:
                json["type"] = JobsAssigned;
                json["jobs"] = Jobs(assigned.Jobs);
                break;
            case JobsSentEntry sent:
                json["type"] = JobsSent;
                json["jobIds"] = new JsonArray(sent.JobIds.Select(id => (JsonNode)JsonValue.Create(id)).ToArray());
                break;
            default:
                throw new ArgumentException($"Unknown ingest batcher log entry {entry.GetType().Name}.", nameof(entry));
        }
        return json.ToJsonString();
    }

    /// <summary>Reads an entry; a malformed one throws <see cref="JsonException"/>, <see cref="FormatException"/> or <see cref="InvalidOperationException"/> naming what is wrong.</summary>
    public static IngestBatcherLogEntry FromJson(JsonObject json)
    {
        var tableId = Required(json, "tableId").GetValue<string>();
        var time = ParseTime(Required(json, "time"));
        var type = Required(json, "type").GetValue<string>();
        return type switch
        {
            FilesAdded => new FilesAddedEntry(time, ReadFiles(Required(json, "files"), tableId)),
            JobsAssigned => new JobsAssignedEntry(time, ReadJobs(Required(json, "jobs"), tableId)),
            JobsSent => new JobsSentEntry(time, Required(json, "jobIds").AsArray().Select(id => id!.GetValue<string>()).ToList()),
            _ => throw new JsonException($"its type '{type}' is none of {FilesAdded}, {JobsAssigned}, {JobsSent}"),
        };
    }

    /// <summary>A snapshot of a table's state as of log entry <paramref name="number"/>: {"tableId", "number", "createdTime", "pending", "jobs"}.</summary>
    public static string SnapshotToJson(long number, DateTimeOffset createdTime, IngestBatcherTableState state) => new JsonObject
    {
        ["tableId"] = state.TableId,
        ["number"] = number,
        ["createdTime"] = Time(createdTime),
        ["pending"] = Files(state.Pending),
        ["jobs"] = Jobs(state.Jobs),
    }.ToJsonString();

    /// <summary>Reads a snapshot: the entry number it is the state at, when it was made, and the state.</summary>
    public static (long Number, DateTimeOffset CreatedTime, IngestBatcherTableState State) SnapshotFromJson(JsonObject json)
    {
        var tableId = Required(json, "tableId").GetValue<string>();
        return (Required(json, "number").GetValue<long>(), ParseTime(Required(json, "createdTime")),
            IngestBatcherTableState.FromSnapshot(tableId, ReadFiles(Required(json, "pending"), tableId), ReadJobs(Required(json, "jobs"), tableId)));
    }

    private static JsonArray Jobs(IEnumerable<IngestBatcherJob> jobs) => new(jobs.Select(j => (JsonNode)new JsonObject
    {
        ["jobId"] = j.JobId,
        ["queue"] = j.Queue,
        ["createdTime"] = Time(j.CreatedTime),
        ["sentTime"] = j.SentTime is { } sent ? Time(sent) : null,
        ["files"] = Files(j.Files),
    }).ToArray());

    private static List<IngestBatcherJob> ReadJobs(JsonNode node, string tableId) => node.AsArray().Select(j => new IngestBatcherJob(
        Required(j!.AsObject(), "jobId").GetValue<string>(),
        tableId,
        Required(j.AsObject(), "queue").GetValue<string>(),
        ReadFiles(Required(j.AsObject(), "files"), tableId),
        ParseTime(Required(j.AsObject(), "createdTime")),
        j["sentTime"] is { } sent ? ParseTime(sent) : null)).ToList();

    private static JsonArray Files(IEnumerable<FileIngestRequest> files) => new(files.Select(f => (JsonNode)new JsonObject
    {
        ["file"] = f.File,
        ["fileSizeBytes"] = f.FileSizeBytes,
        ["receivedTime"] = Time(f.ReceivedTime),
    }).ToArray());

    private static List<FileIngestRequest> ReadFiles(JsonNode node, string tableId) => node.AsArray().Select(f => new FileIngestRequest(
        Required(f!.AsObject(), "file").GetValue<string>(),
        Required(f.AsObject(), "fileSizeBytes").GetValue<long>(),
        tableId,
        ParseTime(Required(f.AsObject(), "receivedTime")))).ToList();

    private static JsonNode Required(JsonObject o, string name) => o[name] ?? throw new JsonException($"it has no '{name}'");

    private static string Time(DateTimeOffset time) => time.ToString("O", CultureInfo.InvariantCulture);

    private static DateTimeOffset ParseTime(JsonNode node) =>
        DateTimeOffset.Parse(node.GetValue<string>(), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind);
}
