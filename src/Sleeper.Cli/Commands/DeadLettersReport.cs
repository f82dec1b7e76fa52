using System.Text.Json.Nodes;
using Sleeper.Cli.Output;

namespace Sleeper.Cli.Commands;

/// <summary>The table view of status --report dead-letters: the messages the compaction, ingest, bulk import and query queues gave up on.</summary>
public static class DeadLettersReport
{
    public static void Write(CliContext context, JsonArray letters) =>
        Render.Table(context, ["queue", "message", "receives", "sent", "job", "table"], letters.Select(l => (IReadOnlyList<string>)
            [ReportCells.Text(l, "queue"), ReportCells.Text(l, "messageId"), ReportCells.Text(l, "receiveCount"), ReportCells.Text(l, "sentTime"),
             ReportCells.Text(l, "jobId") is { Length: > 0 } job ? job : "(unreadable message)",
             ReportCells.Text(l, "tableName") is { Length: > 0 } name ? name : ReportCells.Text(l, "tableId")]));
}
