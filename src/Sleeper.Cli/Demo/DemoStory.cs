using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Apache.Arrow;
using Apache.Arrow.Types;
using Microsoft.AspNetCore.Builder;
using Sleeper.Core;
using Sleeper.Core.Jobs;
using Sleeper.Core.Partitions;
using Sleeper.Core.Properties;
using Sleeper.Core.Schema;
using Sleeper.Core.Security;
using Sleeper.Core.StateStore;
using Sleeper.Core.Tables;
using Sleeper.Core.Tracking;
using Sleeper.Ingest;
using Sleeper.Instance;
using Sleeper.Scheduler;
using Sleeper.Server;
using Spectre.Console;
using Field = Sleeper.Core.Schema.Field;
using StringType = Sleeper.Core.Schema.StringType;

namespace Sleeper.Cli.Demo;

/// <summary>
/// The embedded demo's story: `sleeper serve` started in this process, with its scheduled work sped up; rows
/// ingested in waves while compactions, splits and garbage collection happen on their own; queries through the
/// server as two users, one of whom may not see the rows labelled RED; and a report of what happened.
/// </summary>
public sealed class DemoStory(CliContext context, SleeperInstance instance, long rows, int seed)
{
    public const string TableName = "demo";
    private const int Waves = 10;
    private const int StartLeaves = 4;
    // With the size-ratio strategy's ratio of 3, a batch of similar files must hold at least 5 of them (3 × the
    // largest ≤ the sum of the other 4), so every fifth wave gives each leaf a compaction.
    private const int FilesPerCompaction = 5;
    private const int LabelEvery = 10;
    private static readonly TimeSpan SettleLimit = TimeSpan.FromMinutes(2);

    /// <summary>The demo's rows: the standard generated ones with a visibility label on every tenth.</summary>
    public static TableSchema Schema { get; } = new(
        StandardRows.Schema.RowKeyFields, StandardRows.Schema.SortKeyFields,
        [.. StandardRows.Schema.ValueFields, new Field("label", StringType.Instance)]);

    private readonly List<(string Step, long Rows, TimeSpan Time, string Detail)> _steps = [];

    public async Task<int> RunAsync(CancellationToken cancel)
    {
        var watch = Stopwatch.StartNew();
        // A leaf splits once its compacted files hold more than an eighth of the rows: after the first compactions,
        // each of the 4 leaves does, so the table grows to 8 leaves on its own.
        var threshold = Math.Max(1_000, rows / 8);
        var properties = SleeperProperties.ForTable();
        properties.Set(TableProperty.GcDelayMinutes.Name, "0");
        properties.Set(TableProperty.CompactionFilesBatchSize.Name, FilesPerCompaction.ToString(CultureInfo.InvariantCulture));
        properties.Set(TableProperty.PartitionSplittingThreshold.Name, threshold.ToString(CultureInfo.InvariantCulture));
        properties.Set(TableProperty.VisibilityField.Name, "label");
        var table = await instance.CreateTableAsync(TableName, Schema, properties, PartitionsBuilder.FromSplitPoints(Schema, StandardRows.SplitPoints(StartLeaves)), cancel);
        var users = new UserDirectory(instance.Objects, instance.Time);
        var analyst = await users.AddAsync("analyst", [], UserRole.Read, cancel);
        var operatorKey = (await users.AddAsync("operator", ["RED"], UserRole.Admin, cancel)).ApiKey;
        _steps.Add(("create instance, table and users", 0, watch.Elapsed, $"{StartLeaves} leaves; users analyst (no authorisations) and operator (RED)"));

        var builder = SleeperServer.CreateBuilder(instance, new ServerOptions { Urls = ["http://127.0.0.1:0"] });
        builder.Services.AddSleeperScheduler(instance, DemoSchedule(instance));
        await using var app = SleeperServer.Build(builder);
        await app.StartAsync(cancel);
        var address = SleeperServer.Addresses(app)[0];
        context.Out.WriteLine($"Serving {instance.Description} on {address}, with the scheduled work every second.");

        var sampleKeys = new List<string>();
        long labelled = 0;
        watch.Restart();
        var generator = new StandardRows(seed);
        var runner = new IngestRunner(table);
        for (var wave = 1; wave <= Waves; wave++)
        {
            var waveRows = rows / Waves + (wave == Waves ? rows % Waves : 0);
            var batches = Commands.DemoCommand.Chunks(generator, waveRows, sampleKeys).Select(b => Labelled(b, ref labelled)).ToList();
            await runner.IngestBatchesAsync(batches, cancellationToken: cancel);
            context.Out.WriteLine($"  wave {wave}/{Waves}: {waveRows:N0} rows in one commit   {await DescribeAsync(table, threshold, cancel)}");
        }
        _steps.Add(($"ingest in {Waves} waves", rows, watch.Elapsed, "one commit a wave, while the scheduled work runs beside it"));

        watch.Restart();
        context.Out.WriteLine("Waiting for the scheduled work to settle: no compaction running, no split for a while, nothing left to collect...");
        var settled = await SettleAsync(table, threshold, cancel);
        _steps.Add(("scheduled work settles", 0, watch.Elapsed, settled ? await DescribeAsync(table, threshold, cancel) : "not settled in time: " + await DescribeAsync(table, threshold, cancel)));

        using var http = new HttpClient { BaseAddress = new Uri(address), Timeout = TimeSpan.FromMinutes(5) };
        await LookupsAsync(http, operatorKey, sampleKeys, cancel);
        var (analystRows, operatorRows, rangeTime) = await RangeAsAsync(http, analyst.ApiKey, operatorKey, cancel);
        context.Out.WriteLine($"Through the server, keys a-b: operator sees {operatorRows:N0} rows, analyst {analystRows:N0}; the {operatorRows - analystRows:N0} labelled RED are hidden from the analyst.");
        _steps.Add(("range query as two users", analystRows + operatorRows, rangeTime,
            $"keys a-b: operator sees {operatorRows:N0} rows, analyst {analystRows:N0}; the {operatorRows - analystRows:N0} labelled RED are hidden from the analyst"));

        watch.Restart();
        var all = await CountAllAsync(table, cancel);
        _steps.Add(("full scan in key order (in process)", all, watch.Elapsed, "every row ingested, once"));
        if (all != rows)
        {
            throw new SleeperException($"The demo ingested {rows} rows but a full scan returned {all}.");
        }
        await app.StopAsync(CancellationToken.None);

        await ReportAsync(table, threshold, all, labelled, cancel);
        context.Out.WriteLine();
        context.Out.WriteLine($"Open the dashboard: ./sleeper serve --instance {instance.Location}   then http://127.0.0.1:5080/");
        context.Out.WriteLine($"  and log in as the analyst with this key (it was printed once and is stored only hashed): {analyst.ApiKey}");
        context.Out.WriteLine($"Explore it: ./sleeper status {TableName} --instance {instance.Location}");
        context.Out.WriteLine($"            ./sleeper query {TableName} --key {sampleKeys[0]} --auths RED --instance {instance.Location}");
        return settled ? 0 : 1;
    }

    /// <summary>Every trigger each second and a compaction worker or two, so a minute of demo shows a day of an instance's life.</summary>
    private static SchedulerOptions DemoSchedule(SleeperInstance instance)
    {
        var second = TimeSpan.FromSeconds(1);
        var options = SchedulerOptions.FromProperties(instance.Properties);
        return options with
        {
            Periods = options.Periods.ToDictionary(p => p.Key, p => p.Key == ScheduledOperation.StateStoreSnapshot ? TimeSpan.FromSeconds(10) : second),
            MaxTasks = options.MaxTasks.ToDictionary(p => p.Key, p => p.Key == TaskWorkerKind.Compaction ? 2 : p.Value),
            TaskCreationPeriod = TimeSpan.FromMilliseconds(250),
            TaskIdleTimeout = TimeSpan.FromSeconds(3),
        };
    }

    /// <summary>Waits until nothing is left for the scheduled work to do, printing what changes on the way.</summary>
    private async Task<bool> SettleAsync(SleeperTable table, long threshold, CancellationToken cancel)
    {
        var limit = Stopwatch.StartNew();
        var last = "";
        var quietSince = (TimeSpan?)null;
        var partitions = -1;
        while (limit.Elapsed < SettleLimit)
        {
            var state = await table.StateStore.GetStateAsync(cancel);
            var depth = await instance.Queue(QueueNames.Compaction).GetDepthAsync(cancel);
            var busy = depth.Visible + depth.InFlight > 0 || state.AllReferences().Any(r => r.JobId is not null);
            // Due: a replaced file not yet collected, or the partition tree changed since the last look (a split's
            // files may make a new compaction due at the next trigger).
            var due = state.Files.Values.Any(f => f.References.Count == 0) || state.Partitions.Count != partitions;
            partitions = state.Partitions.Count;
            var now = await DescribeAsync(table, threshold, cancel);
            if (now != last)
            {
                context.Out.WriteLine($"  {limit.Elapsed.TotalSeconds,5:F1} s   {now}");
                last = now;
            }
            if (!busy && !due)
            {
                // Quiet for three trigger periods: every trigger has looked and found nothing to do.
                quietSince ??= limit.Elapsed;
                if (limit.Elapsed - quietSince > TimeSpan.FromSeconds(3))
                {
                    return true;
                }
            }
            else
            {
                quietSince = null;
            }
            await Task.Delay(250, cancel);
        }
        return false;
    }

    private async Task LookupsAsync(HttpClient http, string key, List<string> sampleKeys, CancellationToken cancel)
    {
        foreach (var sample in sampleKeys.Take(10))
        {
            // Untimed: the first requests pay for connecting and for code not yet compiled.
            await QueryAsync(http, key, new JsonObject { ["keys"] = new JsonArray(new JsonObject { ["key"] = sample }) }, cancel);
        }
        var latencies = new List<double>();
        var watch = Stopwatch.StartNew();
        foreach (var sample in sampleKeys)
        {
            var started = Stopwatch.GetTimestamp();
            var lines = await QueryAsync(http, key, new JsonObject { ["keys"] = new JsonArray(new JsonObject { ["key"] = sample }) }, cancel);
            latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            if (lines.Count != 1)
            {
                throw new SleeperException($"The demo's lookup of key '{sample}' through the server returned {lines.Count} rows, not 1.");
            }
        }
        latencies.Sort();
        _steps.Add(($"exact-key queries through the server ({sampleKeys.Count})", sampleKeys.Count, watch.Elapsed,
            $"REST as operator: p50 {Bench.BenchSuite.Percentile(latencies, 0.5):F1} ms, p99 {Bench.BenchSuite.Percentile(latencies, 0.99):F1} ms"));
    }

    private static async Task<(long Analyst, long Operator, TimeSpan Time)> RangeAsAsync(HttpClient http, string analystKey, string operatorKey, CancellationToken cancel)
    {
        var range = new JsonObject { ["ranges"] = new JsonArray(new JsonObject { ["key"] = new JsonObject { ["min"] = "a", ["minInclusive"] = true, ["max"] = "b", ["maxInclusive"] = false } }) };
        var watch = Stopwatch.StartNew();
        var asAnalyst = await QueryAsync(http, analystKey, range.DeepClone(), cancel);
        var asOperator = await QueryAsync(http, operatorKey, range.DeepClone(), cancel);
        // The body may name authorisations; the server takes them from the key alone, so this widens nothing.
        var widened = await QueryAsync(http, analystKey, new JsonObject { ["ranges"] = range["ranges"]!.DeepClone(), ["authorisations"] = new JsonArray("RED") }, cancel);
        if (asAnalyst.Any(l => l.Contains("\"RED\"", StringComparison.Ordinal)) || widened.Count > asAnalyst.Count)
        {
            throw new SleeperException("The analyst was shown rows labelled RED: the server must take authorisations from the key alone.");
        }
        return (asAnalyst.Count, asOperator.Count, watch.Elapsed);
    }

    private static async Task<List<string>> QueryAsync(HttpClient http, string key, JsonNode body, CancellationToken cancel)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/tables/{TableName}/query") { Content = JsonContent.Create(body) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        using var response = await http.SendAsync(request, cancel);
        var text = await response.Content.ReadAsStringAsync(cancel);
        if (!response.IsSuccessStatusCode)
        {
            // Refused bodies (an unknown field, say) come back as 4xx: the demo reports it rather than guessing.
            if (body["authorisations"] is not null && (int)response.StatusCode is >= 400 and < 500)
            {
                return [];
            }
            throw new SleeperException($"The server answered the demo's query with {(int)response.StatusCode}: {text}");
        }
        return text.Split('\n', StringSplitOptions.RemoveEmptyEntries).ToList();
    }

    private async Task ReportAsync(SleeperTable table, long threshold, long rowsInTable, long labelled, CancellationToken cancel)
    {
        var state = await table.StateStore.GetStateAsync(cancel);
        var events = await instance.CompactionTracker.ReadJobEventsAsync(table.Id, cancel);
        var compactions = events.Count(e => e.Kind == JobEventKind.Finished);
        var compactedRows = events.Where(e => e.Kind == JobEventKind.Finished).Sum(e => e.RowsRead ?? 0);
        var summary = Output.Render.ConsoleFor(context.Out, context.OutputIsTerminal);
        summary.Write(Commands.DemoCommand.StepsTable(_steps));
        var work = new Spectre.Console.Table().Border(Spectre.Console.TableBorder.Rounded).Title("done by the scheduled work, on its own")
            .AddColumn("what").AddColumn(new Spectre.Console.TableColumn("count").RightAligned());
        work.AddRow("compaction jobs", compactions.ToString("N0", CultureInfo.InvariantCulture));
        work.AddRow("rows compacted", compactedRows.ToString("N0", CultureInfo.InvariantCulture));
        work.AddRow("partition splits", ((state.Partitions.Count - (2 * StartLeaves - 1)) / 2).ToString(CultureInfo.InvariantCulture));
        work.AddRow("files left for garbage collection", state.Files.Values.Count(f => f.References.Count == 0).ToString(CultureInfo.InvariantCulture));
        summary.Write(work);
        context.Out.WriteLine($"Table '{TableName}': {rowsInTable:N0} rows ({labelled:N0} labelled RED) in {state.Files.Count} files, " +
            $"{state.Partitions.Count} partitions ({state.Partitions.Values.Count(p => p.IsLeaf)} leaves, split threshold {threshold:N0} rows), state store at transaction {table.StateStore.LastTransactionNumber}.");
    }

    private static async Task<string> DescribeAsync(SleeperTable table, long threshold, CancellationToken cancel)
    {
        var state = await table.StateStore.GetStateAsync(cancel);
        var leaves = LeafFigures(state);
        return $"{leaves.Count} leaves, {state.Files.Count} files, " +
            $"{state.AllReferences().Count(r => r.JobId is not null)} file references in compaction jobs, up to {(leaves.Count == 0 ? 0 : leaves.Max(l => l.Files))} files a leaf";
    }

    private static List<(long Rows, int Files)> LeafFigures(StateStoreState state)
    {
        var byPartition = state.AllReferences().GroupBy(r => r.PartitionId).ToDictionary(g => g.Key, g => (Rows: g.Sum(r => r.NumberOfRows), Files: g.Count()));
        return state.Partitions.Values.Where(p => p.IsLeaf).Select(p => byPartition.TryGetValue(p.Id, out var f) ? f : (0L, 0)).ToList();
    }

    private static async Task<long> CountAllAsync(SleeperTable table, CancellationToken cancel)
    {
        long n = 0;
        await foreach (var batch in new Sleeper.Query.QueryExecutor(table).RunAsync(Sleeper.Core.Query.QueryRequest.ForRegions(TableName, [Sleeper.Core.Keys.Region.Whole(table.Schema)]) with { Authorisations = ["RED"] }, cancel))
        {
            n += batch.Length;
            batch.Dispose();
        }
        return n;
    }

    /// <summary>The generated batch with a label column: RED on every tenth row, empty (visible to all) on the rest.</summary>
    private static RecordBatch Labelled(RecordBatch batch, ref long labelled)
    {
        var labels = new StringArray.Builder();
        for (var i = 0; i < batch.Length; i++)
        {
            var red = i % LabelEvery == 3;
            labels.Append(red ? "RED" : "");
            labelled += red ? 1 : 0;
        }
        var schema = new Schema.Builder();
        foreach (var field in batch.Schema.FieldsList)
        {
            schema.Field(field);
        }
        schema.Field(new Apache.Arrow.Field("label", Apache.Arrow.Types.StringType.Default, nullable: true));
        var result = new RecordBatch(schema.Build(), [.. Enumerable.Range(0, batch.ColumnCount).Select(batch.Column), labels.Build()], batch.Length);
        return result;
    }
}
