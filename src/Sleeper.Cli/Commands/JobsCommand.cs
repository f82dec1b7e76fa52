using System.CommandLine;
using System.Text.Json.Nodes;
using Sleeper.Cli.Output;
using Sleeper.Operations;

namespace Sleeper.Cli.Commands;

/// <summary>sleeper jobs retry (compaction|ingest|bulk-import|query) [--all | ID…]: dead-lettered jobs back to their queue (Sleeper.Operations.JobRetry does it).</summary>
public static class JobsCommand
{
    public static Command Build(CliContext context)
    {
        var kind = new Argument<string>("KIND") { Description = "compaction, ingest, bulk-import or query" };
        kind.AcceptOnlyFromAmong([.. JobRetry.Kinds]);
        var ids = new Argument<string[]>("ID") { Description = "Job or message ids of dead letters (status --report dead-letters lists them)", Arity = ArgumentArity.ZeroOrMore };
        var all = new Option<bool>("--all") { Description = "Every dead letter of that queue" };
        var format = new Option<string?>("--format") { Description = "table or json" };
        var retry = new Command("retry", "Send dead-lettered jobs back to their queue, each as a new job") { kind, ids, all, format };
        retry.SetAction(async (result, cancel) =>
        {
            var given = result.GetValue(ids) ?? [];
            if (result.GetValue(all) == (given.Length > 0))
            {
                throw new UsageException("Give either --all or the ids of the dead letters to retry.");
            }
            var fmt = Render.Format(result.GetValue(format), context.OutputIsTerminal ? "table" : "json", "table", "json");
            await using var instance = await context.OpenInstanceAsync(result, cancel);
            var results = await new JobRetry(instance).RetryAsync(result.GetValue(kind)!, given.Length > 0 ? given : null, cancel);
            if (fmt == "json")
            {
                Render.Json(context, new JsonArray(results.Select(r => (JsonNode)new JsonObject
                {
                    ["queue"] = r.Queue,
                    ["messageId"] = r.MessageId,
                    ["jobId"] = r.JobId,
                    ["tableName"] = r.TableName,
                    ["retried"] = r.Retried,
                    ["newJobId"] = r.NewJobId,
                    ["newMessageId"] = r.NewMessageId,
                    ["refused"] = r.Refused,
                }).ToArray()));
            }
            else
            {
                foreach (var r in results)
                {
                    context.Out.WriteLine(r.Retried
                        ? $"Retried {r.Queue} job {r.JobId} as job {r.NewJobId}."
                        : $"Not retried: {r.Queue} {(r.JobId is null ? $"message {r.MessageId}" : $"job {r.JobId}")}: {r.Refused}.");
                }
                if (results.Count == 0)
                {
                    context.Out.WriteLine($"The {result.GetValue(kind)} queue has no dead letters.");
                }
            }
            return results.Any(r => !r.Retried) ? 1 : 0;
        });
        return new Command("jobs", "Operations on queued jobs") { retry };
    }
}
