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
                json["jobs"] = new JsonArray(assigned.Jobs.Select(j => (JsonNode)new JsonObject
                {
                    ["jobId"] = j.JobId,
                    ["queue"] = j.Queue,
                    ["createdTime"] = Time(j.CreatedTime),
                    ["files"] = Files(j.Files),
                }).ToArray());
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
            JobsAssigned => new JobsAssignedEntry(time, Required(json, "jobs").AsArray().Select(j => new IngestBatcherJob(
                Required(j!.AsObject(), "jobId").GetValue<string>(),
                tableId,
                Required(j.AsObject(), "queue").GetValue<string>(),
                ReadFiles(Required(j.AsObject(), "files"), tableId),
                ParseTime(Required(j.AsObject(), "createdTime")))).ToList()),
            JobsSent => new JobsSentEntry(time, Required(json, "jobIds").AsArray().Select(id => id!.GetValue<string>()).ToList()),
            _ => throw new JsonException($"its type '{type}' is none of {FilesAdded}, {JobsAssigned}, {JobsSent}"),
        };
    }

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
