using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Sleeper.Cli.Bench;
using Sleeper.Cli.Demo;
using Sleeper.Cli.Output;
using Sleeper.Compaction;
using Sleeper.Core;
using Sleeper.Core.Compaction;
using Sleeper.Core.Jobs;
using Sleeper.Core.Tracking;
using Sleeper.Jobs;
using Sleeper.Core.Keys;
using Sleeper.Core.Partitions;
using Sleeper.Core.Properties;
using Sleeper.Core.Tables;
using Sleeper.Ingest;
using Sleeper.Instance;
using Sleeper.Query;
using Sleeper.Splitter;
using Spectre.Console;
using Region = Sleeper.Core.Keys.Region;

namespace Sleeper.Cli.Commands;

/// <summary>sleeper demo [--rows N]: the whole life of a table, end to end, with timings.</summary>
public static class DemoCommand
{
    private const int Batches = 5;
    private const int Leaves = 16;

    public static Command Build(CliContext context)
    {
        var rowsOption = new Option<long>("--rows") { Description = "How many rows to generate and ingest", DefaultValueFactory = _ => 1_000_000 };
        var seedOption = new Option<int>("--seed") { Description = "Seed of the generated rows", DefaultValueFactory = _ => 42 };
        var distributedOption = new Option<bool>("--distributed")
        {
            Description = "Run it on services: data in the S3-compatible server, state in PostgreSQL (those of 'sleeper services', started if need be), ingest and compaction by worker processes",
        };
        var command = new Command("demo", "Create an instance and a table, ingest generated rows, query them, and report how fast each step ran") { rowsOption, seedOption, distributedOption };
        command.SetAction(async (result, cancel) =>
        {
            var rows = result.GetValue(rowsOption);
            if (rows < Batches)
            {
                throw new UsageException($"--rows {rows}: give at least {Batches}.");
            }
            var given = result.GetValue(context.InstanceOption);
            var distributed = result.GetValue(distributedOption) ? await DistributedDemo.StartAsync(context, cancel) : null;
            var steps = new List<(string Step, long Rows, TimeSpan Time, string Detail)>();
            var watch = Stopwatch.StartNew();
            await using var instance = distributed is not null
                ? await distributed.CreateInstanceAsync(given, cancel)
                : await SleeperInstance.CreateAsync(Path.GetFullPath(given ?? Path.Combine(Path.GetTempPath(), $"sleeper-demo-{DateTime.UtcNow:yyyyMMdd-HHmmss}-{Environment.ProcessId}")), time: context.Time, cancellationToken: cancel, logging: context.Logging);
            if (distributed is null)
            {
                return await new DemoStory(context, instance, rows, result.GetValue(seedOption)).RunAsync(cancel);
            }
            // No GC delay: the demo collects the files compaction replaced at once, to show it.
            var tableProperties = SleeperProperties.ForTable();
            tableProperties.Set(TableProperty.GcDelayMinutes.Name, "0");
            var table = await instance.CreateTableAsync("demo", StandardRows.Schema, tableProperties,
                PartitionsBuilder.FromSplitPoints(StandardRows.Schema, StandardRows.SplitPoints(Leaves)), cancel);
            steps.Add(("create instance and table", 0, watch.Elapsed, $"{Leaves} leaf partitions from split points"));
            context.Error.WriteLine($"Instance at {instance.Description}; table 'demo' with {Leaves} leaf partitions.");

            var sampleKeys = new List<string>();
            var (ingestTime, ingestJobs) = await distributed.IngestAsync(instance, table, rows, result.GetValue(seedOption), Batches, sampleKeys, cancel);
            distributed.DeleteInputs();
            steps.Add(($"ingest ({ingestJobs} jobs, {distributed.Workers.Count} worker processes)", rows, ingestTime,
                $"{ingestJobs} jobs queued in PostgreSQL; files written to {instance.Location.Bucket}"));

            var query = new QueryExecutor(table);
            await LookupStepAsync(steps, query, table, sampleKeys, "before compaction", cancel);

            watch.Restart();
            var workersBefore = distributed.Workers.Count;
            var (compactionTime, compactionJobs) = await distributed.CompactAsync(instance, table, cancel);
            steps.Add(($"compaction ({compactionJobs} jobs, {distributed.Workers.Count - workersBefore} worker processes)", rows, compactionTime,
                "one file per leaf; the workers exit once idle"));
            await LookupStepAsync(steps, query, table, sampleKeys, "after compaction", cancel);

            // A threshold of half a leaf's rows, so every leaf splits once, at the median of its file's sketch.
            watch.Restart();
            var threshold = Math.Max(1, rows / (Leaves * 2));
            table.Properties.Set(TableProperty.PartitionSplittingThreshold.Name, threshold.ToString(CultureInfo.InvariantCulture));
            await instance.SaveTablePropertiesAsync(table, cancel);
            var round = await new PartitionSplitter(table, PartitionSplitter.OptionsFrom(instance.Properties, instance.Time)).RunRoundAsync(cancel);
            var leavesAfter = (await table.StateStore.GetLeafPartitionsAsync(cancel)).Count;
            steps.Add(($"partition splitting ({round.Splits.Count()} splits)", 0, watch.Elapsed,
                $"threshold {threshold:N0} rows: {Leaves} → {leavesAfter} leaves, each split at its rows' median"));

            watch.Restart();
            long rangeRows = 0;
            var ranges = 0;
            foreach (var (min, max) in new[] { ("a", "b"), ("k0", "k5"), ("q", "r"), ("zz", "") })
            {
                rangeRows += await CountAsync(query, [Region.ForFirstFieldRange(table.Schema, KeyRange.Of(table.Schema.RowKeyFields[0], min, max.Length == 0 ? null : max))], cancel);
                ranges++;
            }
            steps.Add(($"range queries ({ranges})", rangeRows, watch.Elapsed, $"{query.LastStatistics.RowGroupsSkipped} row groups skipped in the last"));

            watch.Restart();
            var all = await CountAsync(query, [Region.Whole(table.Schema)], cancel);
            steps.Add(("full scan in key order", all, watch.Elapsed, $"{query.LastStatistics.FilesRead} file reads"));
            if (all != rows)
            {
                throw new SleeperException($"The demo ingested {rows} rows but a full scan returned {all}.");
            }

            watch.Restart();
            var gc = await new GarbageCollector.GarbageCollector(table, instance.Time).RunAsync(cancel);
            steps.Add(("garbage collection", 0, watch.Elapsed, $"{gc.FilesDeleted} replaced files deleted ({gc.BytesDeleted / 1048576.0:F1} MiB)"));

            var state = await table.StateStore.GetStateAsync(cancel);
            long bytes = 0;
            foreach (var file in state.Files.Keys)
            {
                bytes += (await instance.Objects.GetInfoAsync(file, cancel))?.Size ?? 0;
            }
            var summary = Render.ConsoleFor(context.Out, context.OutputIsTerminal);
            summary.Write(StepsTable(steps));
            {
                var workers = new Table().Border(TableBorder.Rounded).Title("worker processes")
                    .AddColumn("kind").AddColumn(new TableColumn("pid").RightAligned()).AddColumn(new TableColumn("jobs").RightAligned())
                    .AddColumn(new TableColumn("lifetime s").RightAligned()).AddColumn("exit");
                foreach (var w in distributed.Workers)
                {
                    workers.AddRow(w.Kind, w.ProcessId.ToString(CultureInfo.InvariantCulture), w.JobsRun.ToString(CultureInfo.InvariantCulture),
                        w.Lifetime.TotalSeconds.ToString("F1", CultureInfo.InvariantCulture), w.ExitCode == 0 ? "idle, exited 0" : $"exit {w.ExitCode}");
                }
                summary.Write(workers);
            }
            context.Out.WriteLine($"Table 'demo': {all:N0} rows in {state.Files.Count} files ({bytes / 1048576.0:F1} MiB), " +
                $"{state.Partitions.Count} partitions ({state.Partitions.Values.Count(p => p.IsLeaf)} leaves), {state.AllReferences().Count()} file references, " +
                $"state store at transaction {table.StateStore.LastTransactionNumber}.");
            {
                context.Out.WriteLine("Explore it with the servers' settings in the environment: set -a; eval \"$(./sleeper services start --format env)\"; set +a");
            }
            context.Out.WriteLine($"Explore it: ./sleeper status demo --instance {instance.Location}");
            context.Out.WriteLine($"            ./sleeper query demo --key {sampleKeys[0]} --instance {instance.Location}");
            return 0;
        });
        return command;
    }

    private static async Task LookupStepAsync(List<(string Step, long Rows, TimeSpan Time, string Detail)> steps, QueryExecutor query, SleeperTable table,
        List<string> sampleKeys, string when, CancellationToken cancel)
    {
        var (found, latencies) = await ExactKeyQueriesAsync(query, table, sampleKeys, cancel);
        if (found != sampleKeys.Count)
        {
            throw new SleeperException($"The demo's exact-key queries found {found} of {sampleKeys.Count} keys it ingested.");
        }
        latencies.Sort();
        steps.Add(($"exact-key queries, {when} ({sampleKeys.Count})", found, TimeSpan.FromMilliseconds(latencies.Sum()),
            $"p50 {BenchSuite.Percentile(latencies, 0.5):F1} ms, p99 {BenchSuite.Percentile(latencies, 0.99):F1} ms"));
    }

    /// <summary>The demo's rows in batches, the first hundred sample keys collected on the way.</summary>
    internal static IEnumerable<Apache.Arrow.RecordBatch> Chunks(StandardRows generator, long rows, List<string> sampleKeys)
    {
        const int chunk = 250_000;
        for (long done = 0; done < rows; done += chunk)
        {
            yield return generator.Next((int)Math.Min(chunk, rows - done), sampleKeys.Count < 100 ? sampleKeys : null, 5_000);
        }
    }

    private static async Task<(int Found, List<double> Latencies)> ExactKeyQueriesAsync(QueryExecutor query, SleeperTable table, List<string> keys, CancellationToken cancel)
    {
        var latencies = new List<double>();
        var found = 0;
        foreach (var key in keys)
        {
            var watch = Stopwatch.StartNew();
            var n = await CountAsync(query, [Region.ForKey(table.Schema, Key.Of(key))], cancel);
            latencies.Add(watch.Elapsed.TotalMilliseconds);
            found += n > 0 ? 1 : 0;
        }
        return (found, latencies);
    }

    private static async Task<long> CountAsync(QueryExecutor query, IReadOnlyList<Region> regions, CancellationToken cancel)
    {
        long n = 0;
        await foreach (var batch in query.RunAsync(regions, null, cancel))
        {
            n += batch.Length;
            batch.Dispose();
        }
        return n;
    }

    /// <summary>The demo's steps as a table: rows, seconds, rows/s and what each did.</summary>
    internal static Table StepsTable(IEnumerable<(string Step, long Rows, TimeSpan Time, string Detail)> steps)
    {
        var grid = new Table().Border(TableBorder.Rounded).Title("sleeper demo")
            .AddColumn("step").AddColumn(new TableColumn("rows").RightAligned()).AddColumn(new TableColumn("seconds").RightAligned())
            .AddColumn(new TableColumn("rows/s").RightAligned()).AddColumn("detail");
        foreach (var (step, n, time, detail) in steps)
        {
            grid.AddRow(Markup.Escape(step), n.ToString("N0", CultureInfo.InvariantCulture), time.TotalSeconds.ToString("F2", CultureInfo.InvariantCulture),
                n == 0 ? "" : (n / Math.Max(time.TotalSeconds, 1e-9)).ToString("N0", CultureInfo.InvariantCulture), Markup.Escape(detail));
        }
        return grid;
    }
}
