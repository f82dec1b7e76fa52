using System.CommandLine;
using Apache.Arrow;
using Sleeper.Cli.Output;
using Sleeper.Core.Batches;
using Sleeper.Query;

namespace Sleeper.Cli.Commands;

/// <summary>
/// sleeper query results QUERYID [--files] [--format F] [--output FILE]: the rows of a queued query, read from its
/// results files in the instance's store (or, with --files, the files' names), in key order of the leaves. The
/// subcommand takes the word "results" after <c>sleeper query</c>, so a table of that name cannot be queried directly
/// from the command line.
/// </summary>
public static class QueryResultsCommand
{
    public static Command Build(CliContext context)
    {
        var id = new Argument<string>("QUERYID") { Description = "The id 'sleeper query … --queue' printed" };
        var files = new Option<bool>("--files") { Description = "List the results files in the instance's store instead of printing the rows" };
        var partial = new Option<bool>("--partial") { Description = "Print what a query that has not completed (or partly failed) has written so far" };
        var format = new Option<string?>("--format") { Description = "jsonl, csv, table or parquet (default: table on a terminal, jsonl when piped)" };
        var output = new Option<string?>("--output") { Description = "With --format parquet: the Parquet file to write the rows to" };
        var command = new Command("results", "The rows of a queued query, from its results files in the instance's store") { id, files, partial, format, output };
        command.SetAction(async (result, cancel) =>
        {
            await using var instance = await context.OpenInstanceAsync(result, cancel);
            var queryId = result.GetValue(id)!;
            var results = new QueryResults(instance.Objects, instance.QueryTracker);
            if (result.GetValue(files))
            {
                var status = await results.GetStatusAsync(queryId, cancel);
                foreach (var file in status.ResultsFiles)
                {
                    context.Out.WriteLine(file);
                }
                context.Chatter($"Query {queryId}: {Core.Tracking.QueryStatus.Name(status.State)}, {status.RowsReturned:N0} row(s) in {status.ResultsFiles.Count} file(s) under {instance.Objects.Location}");
                return 0;
            }
            var fmt = Render.Format(result.GetValue(format), context.OutputIsTerminal ? "table" : "jsonl", "jsonl", "csv", "table", "parquet");
            var batches = results.ReadAsync(queryId, requireComplete: !result.GetValue(partial), cancel);
            if (fmt == "parquet")
            {
                var path = result.GetValue(output) ?? throw new UsageException("--format parquet needs --output FILE.parquet.");
                var written = await ParquetOutputFile.WriteAsync(path, batches, cancel);
                context.Out.WriteLine($"Wrote {written:N0} row(s) to {path}");
                return 0;
            }
            if (result.GetValue(output) is not null)
            {
                throw new UsageException("--output goes with --format parquet.");
            }
            // The fields are those of the files; the table gives their Sleeper types, for rendering.
            var queryStatus = await results.GetStatusAsync(queryId, cancel);
            var table = await instance.OpenTableAsync(queryStatus.TableName!, cancellationToken: cancel);
            RowWriter? writer = null;
            try
            {
                await foreach (var batch in batches)
                {
                    using (batch)
                    {
                        writer ??= new RowWriter(context, fmt, FieldsOf(batch).Select(table.Schema.GetField).ToList());
                        for (var i = 0; i < batch.Length; i++)
                        {
                            writer.Write(BatchRows.GetRow(batch, i));
                        }
                    }
                }
                writer ??= new RowWriter(context, fmt, table.Schema.AllFields);
                context.Chatter($"{writer.Count:N0} row(s)");
            }
            finally
            {
                writer?.Dispose();
            }
            return 0;
        });
        return command;
    }

    private static IEnumerable<string> FieldsOf(RecordBatch batch) => Enumerable.Range(0, batch.ColumnCount).Select(i => batch.Schema.GetFieldByIndex(i).Name);
}
