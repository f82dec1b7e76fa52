using System.CommandLine;
using System.Diagnostics;
using Sleeper.Cli.Output;
using Sleeper.Core.Batches;
using System.Text;
using Sleeper.Core;
using Sleeper.Core.Keys;
using Sleeper.Core.Query;
using Sleeper.Core.Schema;
using Sleeper.Core.Security;
using Sleeper.Query;

namespace Sleeper.Cli.Commands;

/// <summary>sleeper query NAME ((--key K | --range MIN,MAX | --region JSON)... | --query-file FILE) [--fields F,…].</summary>
public static class QueryCommand
{
    public static Command Build(CliContext context)
    {
        var name = new Argument<string>("NAME") { Description = "The table" };
        var key = new Option<string[]>("--key") { Description = "Exact value of the row key(s), comma-separated for several row-key fields (repeatable)" };
        var range = new Option<string[]>("--range") { Description = "MIN,MAX on the first row key: min inclusive, max exclusive, either may be empty (repeatable)" };
        var region = new Option<string[]>("--region") { Description = "Sleeper's region JSON: {\"key\":[min, minInclusive, max, maxInclusive]} (repeatable)" };
        var fields = new Option<string?>("--fields") { Description = "The fields to return, comma-separated (default: all)" };
        var format = new Option<string?>("--format") { Description = "jsonl, csv, table or parquet (default: table on a terminal, jsonl when piped)" };
        var output = new Option<string?>("--output") { Description = "With --format parquet: the Parquet file to write the results to" };
        var auths = new Option<string?>("--auths") { Description = "The authorisations to query with, comma-separated (quote a label with other characters as in an expression: \"my label\"): rows of a table with a visibility field come back only when these satisfy their expression" };
        var queryFile = new Option<string?>("--query-file") { Description = "Sleeper's query JSON (tableName, keys or ranges, requestedValueFields, …); - for standard input" };
        var queue = new Option<bool>("--queue") { Description = "Queue the query for 'sleeper worker query' instead of running it here; prints its query id (results: 'sleeper query results ID')" };
        var command = new Command("query", "Query a table by exact key, key range or region; rows come out in key order") { name, key, range, region, queryFile, fields, auths, format, output, queue };
        command.Subcommands.Add(QueryResultsCommand.Build(context));
        command.SetAction(async (result, cancel) =>
        {
            await using var instance = await context.OpenInstanceAsync(result, cancel);
            var table = await instance.OpenTableAsync(result.GetValue(name)!, requireOnline: true, cancellationToken: cancel);
            var schema = table.Schema;
            var regions = new List<Region>();
            QueryRequest? fromFile = null;
            var fieldNames = result.GetValue(fields)?.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            if (result.GetValue(queryFile) is { } file)
            {
                if (result.GetValue(key) is { Length: > 0 } || result.GetValue(range) is { Length: > 0 } || result.GetValue(region) is { Length: > 0 })
                {
                    throw new UsageException("--query-file holds the whole query: give it without --key, --range or --region.");
                }
                var request = await ReadQueryFileAsync(context, file, schema, table.Name, cancel);
                if (request.ResultsPublisherConfig.Count > 0 && !result.GetValue(queue))
                {
                    context.Error.WriteLine($"Warning: --query-file {file}: resultsPublisherConfig is ignored; the results go to standard output (or --output) here.");
                }
                foreach (var warning in request.Warnings)
                {
                    context.Error.WriteLine($"Warning: {warning}");
                }
                if (request.RequestedValueFields is not null && fieldNames is not null)
                {
                    throw new UsageException($"--query-file {file} names requestedValueFields: give the fields there or with --fields, not both.");
                }
                fieldNames ??= request.OutputFieldNames(schema)?.ToArray();
                regions.AddRange(request.Regions);
                fromFile = request;
            }
            regions.AddRange((result.GetValue(key) ?? []).Select(k => QueryRegions.FromKey(schema, k)));
            regions.AddRange((result.GetValue(range) ?? []).Select(r => QueryRegions.FromRange(schema, r)));
            regions.AddRange((result.GetValue(region) ?? []).Select(r => QueryRegions.FromRegionJson(schema, r)));
            if (regions.Count == 0)
            {
                throw new UsageException("Give at least one --key, --range or --region, or a --query-file.");
            }
            foreach (var f in fieldNames ?? [])
            {
                if (schema.IndexOf(f) < 0)
                {
                    throw new UsageException($"--fields: '{f}' is not a field of table {table.Name} (fields: {string.Join(", ", schema.AllFields.Select(x => x.Name))}).");
                }
            }
            Authorisations authorisations;
            try
            {
                authorisations = Authorisations.Parse(result.GetValue(auths) ?? "");
            }
            catch (AuthorisationsException e)
            {
                throw new UsageException($"--auths: {e.Message}");
            }
            var queryRequest = (fromFile ?? QueryRequest.ForRegions(table.Name, regions)) with { Regions = regions, Fields = fieldNames, Authorisations = [.. authorisations] };
            if (result.GetValue(queue))
            {
                if (result.GetValue(format) is not null || result.GetValue(output) is not null)
                {
                    throw new UsageException("--queue sends the results to the instance's store: read them with 'sleeper query results ID', which takes --format and --output.");
                }
                var warnings = new List<string>();
                QueryDestination destination;
                try
                {
                    destination = QueryDestinations.FromPublisherConfig(queryRequest.ResultsPublisherConfig, $"--query-file {result.GetValue(queryFile)}", warnings);
                }
                catch (SleeperException e)
                {
                    throw new UsageException(e.Message);
                }
                foreach (var warning in warnings)
                {
                    context.Error.WriteLine($"Warning: {warning}");
                }
                var submitter = new QuerySubmitter(instance.Queue(Core.Jobs.QueueNames.Query), instance.QueryTracker, instance.Time, Core.Iterators.IteratorLoader.FromInstanceProperties(instance.Properties));
                var queryId = await submitter.SubmitAsync(table, queryRequest, destination, cancel);
                context.Out.WriteLine(queryId);
                context.Chatter($"Query {queryId} queued; run 'sleeper worker query', follow it with 'sleeper status --report queries --query-id {queryId}' and read it with 'sleeper query results {queryId}'.");
                return 0;
            }
            var fmt = Render.Format(result.GetValue(format), context.OutputIsTerminal ? "table" : "jsonl", "jsonl", "csv", "table", "parquet");
            var query = new QueryExecutor(table, instance.Time, Core.Iterators.IteratorLoader.FromInstanceProperties(instance.Properties));
            var outputFields = query.OutputFields(fieldNames);
            var watch = Stopwatch.StartNew();
            if (fmt == "parquet")
            {
                var path = result.GetValue(output) ?? throw new UsageException("--format parquet needs --output FILE.parquet.");
                var rows = await ParquetOutputFile.WriteAsync(path, query.RunAsync(queryRequest, cancel), cancel);
                context.Out.WriteLine($"Wrote {rows:N0} row(s) to {path}");
                return 0;
            }
            if (result.GetValue(output) is not null)
            {
                throw new UsageException("--output goes with --format parquet.");
            }
            using (var writer = new RowWriter(context, fmt, outputFields))
            {
                await foreach (var batch in query.RunAsync(queryRequest, cancel))
                {
                    using (batch)
                    {
                        for (var i = 0; i < batch.Length; i++)
                        {
                            writer.Write(BatchRows.GetRow(batch, i));
                        }
                    }
                }
                context.Chatter($"{writer.Count:N0} row(s) in {watch.Elapsed.TotalMilliseconds:F0} ms");
            }
            return 0;
        });
        return command;
    }

    private static async Task<QueryRequest> ReadQueryFileAsync(CliContext context, string file, TableSchema schema, string tableName, CancellationToken cancel)
    {
        var source = file == "-" ? "query file on standard input" : $"query file {file}";
        string json;
        try
        {
            using var reader = new StreamReader(file == "-" ? context.OpenStandardInput() : File.OpenRead(file),
                new UTF8Encoding(false, throwOnInvalidBytes: true));
            json = await reader.ReadToEndAsync(cancel);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or DecoderFallbackException)
        {
            throw new UsageException($"--query-file {file}: cannot read it: {e.Message}");
        }
        try
        {
            return QueryJson.Parse(json, schema, tableName, source);
        }
        catch (SleeperException e)
        {
            throw new UsageException(e.Message);
        }
    }
}
