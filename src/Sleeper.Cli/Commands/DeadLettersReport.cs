using System.Globalization;
using System.Text.Json.Nodes;
using Sleeper.Cli.Output;
using Sleeper.Core;
using Sleeper.Core.Compaction;
using Sleeper.Core.Ingest;
using Sleeper.Core.Jobs;
using Sleeper.Instance;
using Sleeper.Jobs;

namespace Sleeper.Cli.Commands;

/// <summary>status --report dead-letters: the messages the compaction, ingest, bulk import and query queues gave up on.</summary>
public static class DeadLettersReport
{
    private static readonly string[] Queues = [QueueNames.Compaction, QueueNames.Ingest, QueueNames.BulkImport, QueueNames.Query];

    /// <summary>One dead letter, with the job and table it names when its body can be read.</summary>
    private sealed record Letter(string Queue, QueuedMessage Message, string? JobId, string? TableId, string? TableName);

    /// <param name="tableNames">Only letters of these tables; null for every letter, including unreadable ones.</param>
    public static async Task WriteAsync(CliContext context, SleeperInstance instance, IReadOnlyList<string>? tableNames, string format, CancellationToken cancellationToken)
    {
        var tables = (await instance.ListTablesAsync(cancellationToken)).ToDictionary(t => t.TableId, t => t.TableName);
        var wanted = tableNames is null ? null : (await instance.GetTableStatusesAsync(tableNames, cancellationToken)).Select(t => t.TableId).ToHashSet();
        var letters = new List<Letter>();
        foreach (var name in Queues)
        {
            var queue = instance.Queue(name);
            foreach (var message in await queue.GetDeadLettersAsync(cancellationToken))
            {
                var (jobId, tableId, tableName) = Describe(name, message.Body);
                tableId ??= tables.FirstOrDefault(t => t.Value == tableName).Key;
                // The current name, should the table have been renamed since the job was queued.
                tableName = tableId is not null && tables.TryGetValue(tableId, out var current) ? current : tableName;
                if (wanted is null || (tableId is not null && wanted.Contains(tableId)))
                {
                    letters.Add(new Letter(name, message, jobId, tableId, tableName));
                }
            }
        }
        letters = letters.OrderBy(l => l.Message.SentTime).ToList();
        if (format == "json")
        {
            Render.Json(context, new JsonArray(letters.Select(l => (JsonNode)new JsonObject
            {
                ["queue"] = l.Queue,
                ["messageId"] = l.Message.MessageId,
                ["receiveCount"] = l.Message.ReceiveCount,
                ["sentTime"] = Time(l.Message.SentTime),
                ["jobId"] = l.JobId,
                ["tableId"] = l.TableId,
                ["tableName"] = l.TableName,
                ["body"] = l.JobId is null ? l.Message.Body : null,
            }).ToArray()));
            return;
        }
        Render.Table(context, ["queue", "message", "receives", "sent", "job", "table"], letters.Select(l => (IReadOnlyList<string>)
            [l.Queue, l.Message.MessageId, l.Message.ReceiveCount.ToString(CultureInfo.InvariantCulture), Time(l.Message.SentTime),
             l.JobId ?? "(unreadable message)", l.TableName ?? l.TableId ?? ""]));
    }

    /// <summary>The job and table a message names, or nulls when it is not a job message of its queue.</summary>
    private static (string? JobId, string? TableId, string? TableName) Describe(string queue, string body)
    {
        try
        {
            switch (queue)
            {
                case QueueNames.Compaction:
                    var compaction = CompactionJobSerDe.FromJson(body);
                    return (compaction.JobId, compaction.TableId, null);
                case QueueNames.Query:
                    var query = Core.Query.QueryMessageSerDe.ReadHeader(body);
                    return (Sleeper.Query.QueryDeadLetters.JobId(query), query.TableId, query.TableName);
                case QueueNames.Ingest:
                    var ingest = IngestJobSerDe.IngestFromJson(body);
                    return (ingest.Id, ingest.TableId, ingest.TableName);
                default:
                    var bulk = IngestJobSerDe.BulkImportFromJson(body);
                    return (bulk.Id, bulk.TableId, bulk.TableName);
            }
        }
        catch (Exception e) when (e is SleeperException or System.Text.Json.JsonException)
        {
            return (null, null, null);
        }
    }

    private static string Time(DateTimeOffset time) => time.ToString("yyyy-MM-dd HH:mm:ss.fff", CultureInfo.InvariantCulture);
}
