using System.CommandLine;
using Sleeper.Core.Iterators;
using Sleeper.Core.Jobs;
using Sleeper.Query;
using Sleeper.Scheduler;

namespace Sleeper.Cli.Commands;

/// <summary>sleeper worker query [--idle-timeout SECONDS] [--workers N]: runs queued queries and sub-queries, then exits when idle.</summary>
public static class QueryWorkerCommand
{
    public static Command Build(CliContext context)
    {
        var idle = new Option<double>("--idle-timeout") { Description = "Seconds to wait for work before exiting", DefaultValueFactory = _ => 60 };
        var workers = new Option<int>("--workers") { Description = "Workers in this process, each taking its own sub-queries (default 1)", DefaultValueFactory = _ => 1 };
        var command = new Command("query", "Run queued queries from the instance's query queue, splitting each into leaf sub-queries") { idle, workers };
        command.SetAction(async (result, cancel) =>
        {
            await using var instance = await context.OpenInstanceAsync(result, cancel);
            var seconds = result.GetValue(idle);
            if (seconds < 0)
            {
                throw new UsageException("--idle-timeout must be zero or more seconds.");
            }
            var count = result.GetValue(workers);
            if (count < 1)
            {
                throw new UsageException("--workers must be at least 1.");
            }
            var loader = IteratorLoader.FromInstanceProperties(instance.Properties);
            var running = Enumerable.Range(0, count).Select(_ => TaskWorkers.Query(instance, loader)).ToList();
            context.Chatter($"{count} query worker(s) waiting for queries (exit after {seconds:0.#} s idle)...");
            var progress = new Progress<SubQueryResult>(r =>
                context.Chatter($"Query {r.QueryId} sub-query {r.SubQueryId}: {r.Rows:N0} row(s){(r.ResultsFile is null ? "" : $" to {r.ResultsFile}")} in {r.Elapsed.TotalMilliseconds:F0} ms"));
            var outcomes = await Task.WhenAll(running.Select(w => w.RunAsync(TimeSpan.FromSeconds(seconds), progress, cancel)));
            foreach (var outcome in outcomes)
            {
                context.Out.WriteLine($"Worker {outcome.TaskId}: {outcome.SubQueriesRun} sub-quer{(outcome.SubQueriesRun == 1 ? "y" : "ies")} run, {outcome.Failed} failed{WorkerCommand.DeadLettered(outcome.DeadLettered)}, {outcome.RowsReturned:N0} rows returned");
            }
            return WorkerCommand.ExitCode(outcomes.Sum(o => o.SubQueriesRun), outcomes.Sum(o => o.Failed), outcomes.Sum(o => o.DeadLettered));
        });
        return command;
    }
}
