using System.Text.Json.Nodes;
using Sleeper.Core;
using Sleeper.Core.Compaction;
using Sleeper.Core.Ingest;
using Sleeper.Core.Jobs;
using Sleeper.Instance;

namespace Sleeper.Reports;

/// <summary>One dead letter, with the job and table it names when its body can be read.</summary>
public sealed record DeadLetter(string Queue, QueuedMessage Message, string? JobId, string? TableId, string? TableName);

/// <summary>The messages the compaction, ingest, bulk import and query queues gave up on: the dead-letters report, and what <c>jobs retry</c> picks from.</summary>
public static class DeadLetters
{
    /// <summary>The job queues whose dead letters are reported, in report order.</summary>
    public static readonly IReadOnlyList<string> Queues = [QueueNames.Compaction, QueueNames.Ingest, QueueNames.BulkImport, QueueNames.Query];

    /// <param name="tableNames">Only letters of these tables; null for every letter, including unreadable ones.</param>
    /// <param name="queues">Only these queues; null for all of <see cref="Queues"/>.</param>
    public static async Task<IReadOnlyList<DeadLetter>> ListAsync(SleeperInstance instance, IReadOnlyList<string>? tableNames, IReadOnlyList<string>? queues, CancellationToken cancellationToken)
    {
        var tables = (await instance.ListTablesAsync(cancellationToken).ConfigureAwait(false)).ToDictionary(t => t.TableId, t => t.TableName);
        var wanted = tableNames is null ? null : (await instance.GetTableStatusesAsync(tableNames, cancellationToken).ConfigureAwait(false)).Select(t => t.TableId).ToHashSet();
        var letters = new List<DeadLetter>();
        foreach (var name in queues ?? Queues)
        {
            foreach (var message in await instance.Queue(name).GetDeadLettersAsync(cancellationToken).ConfigureAwait(false))
            {
                var (jobId, tableId, tableName) = Describe(name, message.Body);
                tableId ??= tables.FirstOrDefault(t => t.Value == tableName).Key;
                // The current name, should the table have been renamed since the job was queued.
                tableName = tableId is not null && tables.TryGetValue(tableId, out var current) ? current : tableName;
                if (wanted is null || (tableId is not null && wanted.Contains(tableId)))
                {
                    letters.Add(new DeadLetter(name, message, jobId, tableId, tableName));
                }
            }
        }
        return letters.OrderBy(l => l.Message.SentTime).ToList();
    }

    /// <summary>[{"queue","messageId","receiveCount","sentTime","jobId","tableId","tableName","body"}]; the body only of a letter that is not a readable job.</summary>
    public static JsonArray Json(IEnumerable<DeadLetter> letters) => new(letters.Select(l => (JsonNode)new JsonObject
    {
        ["queue"] = l.Queue,
        ["messageId"] = l.Message.MessageId,
        ["receiveCount"] = l.Message.ReceiveCount,
        ["sentTime"] = ReportJson.Time(l.Message.SentTime),
        ["jobId"] = l.JobId,
        ["tableId"] = l.TableId,
        ["tableName"] = l.TableName,
        ["body"] = l.JobId is null ? l.Message.Body : null,
    }).ToArray());

    /// <summary>The job and table a message names, or nulls when it is not a job message of its queue.</summary>
    public static (string? JobId, string? TableId, string? TableName) Describe(string queue, string body)
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
}
