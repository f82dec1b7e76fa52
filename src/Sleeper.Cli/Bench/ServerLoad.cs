using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Sleeper.Cli.Demo;
using Sleeper.Core;
using Sleeper.Core.Tracking;
using Sleeper.Core.Keys;
using Sleeper.Core.Partitions;
using Sleeper.Core.Security;
using Sleeper.Core.Tables;
using Sleeper.Ingest;
using Sleeper.Instance;
using Sleeper.Query;
using Sleeper.Scheduler;
using Sleeper.Server;

namespace Sleeper.Cli.Bench;

/// <summary>How hard and how long <see cref="ServerLoad"/> pushes the server.</summary>
public sealed record ServerLoadOptions
{
    /// <summary>Clients writing rows through <c>POST /api/tables/{name}/rows</c>, each one request at a time.</summary>
    public int Writers { get; init; } = 8;

    /// <summary>Clients looking up rows the writers were told were written, through <c>POST /api/tables/{name}/query</c>.</summary>
    public int Readers { get; init; } = 24;

    public int RowsPerWrite { get; init; } = 100;

    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Rows in each file the background ingest commits while the clients run.</summary>
    public int IngestRowsPerWave { get; init; } = 50_000;

    public int Seed { get; init; } = 42;
}

/// <summary>What the clients saw and whether every acknowledged row came back exactly once.</summary>
public sealed record ServerLoadResult(
    int Clients, TimeSpan Elapsed, long Writes, long RowsWritten, long Lookups, long LookupMisses, long Errors,
    IReadOnlyList<double> WriteLatenciesMs, IReadOnlyList<double> LookupLatenciesMs,
    int IngestWaves, long RowsIngested, int CompactionJobs, long RowsInTable, long AcknowledgedMissing, long AcknowledgedDuplicated)
{
    public double RequestsPerSecond => (Writes + Lookups) / Math.Max(Elapsed.TotalSeconds, 1e-9);

    /// <summary>Nothing acknowledged is missing or doubled, every row counted, no request failed and no lookup missed.</summary>
    public bool NothingLost => AcknowledgedMissing == 0 && AcknowledgedDuplicated == 0 && LookupMisses == 0 && Errors == 0
        && RowsInTable == RowsWritten + RowsIngested;
}

/// <summary>
/// The server under load, on loopback only and bounded in clients and time: writers and readers hammer the REST
/// API of an in-process <c>sleeper serve</c> while files are ingested and compactions run beside them. Then every
/// row a writer was told was written is looked for in a full scan: present, exactly once. Used by
/// <c>sleeper bench --case server</c> and, smaller, by a test.
/// </summary>
public sealed class ServerLoad(string folder, ServerLoadOptions options, Action<string> chatter)
{
    public const string Table = "load";
    // After every generated key (digits and lower case letters), so the writers own the last leaf or two.
    private const string WriterKeyPrefix = "~w";

    /// <param name="afterwards">Run on the table once the load has stopped and been checked, before it is closed (the bench measures its peer there).</param>
    public async Task<ServerLoadResult> RunAsync(CancellationToken cancel, Func<SleeperTable, IReadOnlyList<string>, Task>? afterwards = null)
    {
        await using var instance = await SleeperInstance.CreateAsync(Path.Combine(folder, "server-load-instance"), cancellationToken: cancel);
        // Compactions of 5 files (the least the size-ratio strategy takes of similar files) and GC without delay, so
        // both run again and again under the load.
        var properties = Sleeper.Core.Properties.SleeperProperties.ForTable();
        properties.Set(Sleeper.Core.Properties.TableProperty.CompactionFilesBatchSize.Name, "5");
        properties.Set(Sleeper.Core.Properties.TableProperty.GcDelayMinutes.Name, "0");
        var table = await instance.CreateTableAsync(Table, StandardRows.Schema, properties,
            PartitionsBuilder.FromSplitPoints(StandardRows.Schema, [.. StandardRows.SplitPoints(8), WriterKeyPrefix + "004"]), cancel);
        var user = await new UserDirectory(instance.Objects, instance.Time).AddAsync("load", [], UserRole.Write, cancel);
        // The server with its scheduled work, as `sleeper serve` runs it, every trigger each second so compactions
        // (and GC of what they replace) happen throughout the load.
        var builder = SleeperServer.CreateBuilder(instance, new ServerOptions { Urls = ["http://127.0.0.1:0"] });
        var schedule = SchedulerOptions.FromProperties(instance.Properties);
        builder.Services.AddSleeperScheduler(instance, schedule with
        {
            Periods = schedule.Periods.ToDictionary(p => p.Key, _ => TimeSpan.FromSeconds(1)),
            TaskCreationPeriod = TimeSpan.FromMilliseconds(250),
        });
        var app = SleeperServer.Build(builder);
        await app.StartAsync(cancel);
        try
        {
            var address = new Uri(SleeperServer.Addresses(app)[0]);
            chatter($"server load: {options.Writers} writers and {options.Readers} readers on {address} for {options.Duration.TotalSeconds:0} s, with ingest and compaction");
            using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = options.Writers + options.Readers, PooledConnectionLifetime = TimeSpan.FromMinutes(5) };
            using var http = new HttpClient(handler) { BaseAddress = address, Timeout = TimeSpan.FromMinutes(2) };
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", user.ApiKey);
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancel);
            // The last batch each writer had acknowledged: its batches 0..last are all written (a writer stops at its
            // first failure), so readers can pick any acknowledged key without sharing a growing list.
            var lastAcknowledged = Enumerable.Repeat(-1, options.Writers).ToArray();
            var writeLatencies = new ConcurrentBag<double>();
            var lookupLatencies = new ConcurrentBag<double>();
            long writes = 0, lookups = 0, misses = 0, errors = 0;
            var errorSamples = new ConcurrentQueue<string>();
            void Error(string what)
            {
                Interlocked.Increment(ref errors);
                if (errorSamples.Count < 5)
                {
                    errorSamples.Enqueue(what);
                }
            }

            var watch = Stopwatch.StartNew();
            var ingestLoop = IngestLoopAsync(table, stop.Token);
            var writers = Enumerable.Range(0, options.Writers).Select(w => Task.Run(async () =>
            {
                for (var seq = 0; !stop.IsCancellationRequested; seq++)
                {
                    var keys = Enumerable.Range(0, options.RowsPerWrite).Select(i => KeyOf(w, seq, i)).ToList();
                    var body = new JsonObject { ["rows"] = new JsonArray(keys.Select(k => (JsonNode)new JsonObject { ["key"] = k, ["timestamp"] = seq, ["value"] = "v" + k }).ToArray()) };
                    var started = Stopwatch.GetTimestamp();
                    try
                    {
                        using var response = await http.PostAsJsonAsync($"/api/tables/{Table}/rows", body, cancel);
                        var text = await response.Content.ReadAsStringAsync(cancel);
                        if (!response.IsSuccessStatusCode || JsonNode.Parse(text)?["rowsWritten"]?.GetValue<long>() != keys.Count)
                        {
                            Error($"write: {(int)response.StatusCode} {text}");
                            break;
                        }
                    }
                    catch (OperationCanceledException) when (stop.IsCancellationRequested)
                    {
                        // Stopped mid-request: not acknowledged, so not counted.
                        break;
                    }
                    catch (HttpRequestException e)
                    {
                        Error($"write: {e.Message}");
                        break;
                    }
                    writeLatencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                    Interlocked.Increment(ref writes);
                    Volatile.Write(ref lastAcknowledged[w], seq);
                }
            })).ToList();
            var readers = Enumerable.Range(0, options.Readers).Select(r => Task.Run(async () =>
            {
                var random = new Random(options.Seed + r);
                while (!stop.IsCancellationRequested)
                {
                    var w = random.Next(options.Writers);
                    var last = Volatile.Read(ref lastAcknowledged[w]);
                    if (last < 0)
                    {
                        await Pause(TimeSpan.FromMilliseconds(10), stop.Token);
                        continue;
                    }
                    var key = KeyOf(w, random.Next(last + 1), random.Next(options.RowsPerWrite));
                    var started = Stopwatch.GetTimestamp();
                    try
                    {
                        using var response = await http.PostAsJsonAsync($"/api/tables/{Table}/query", new JsonObject { ["keys"] = new JsonArray(new JsonObject { ["key"] = key }) }, cancel);
                        var text = await response.Content.ReadAsStringAsync(cancel);
                        if (!response.IsSuccessStatusCode)
                        {
                            Error($"lookup: {(int)response.StatusCode} {text}");
                            continue;
                        }
                        var rows = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
                        if (rows.Length != 1 || JsonNode.Parse(rows[0])?["value"]?.GetValue<string>() != "v" + key)
                        {
                            Interlocked.Increment(ref misses);
                            Error($"lookup of acknowledged key {key} returned {rows.Length} row(s): {text}");
                        }
                    }
                    catch (OperationCanceledException) when (stop.IsCancellationRequested)
                    {
                        break;
                    }
                    catch (HttpRequestException e)
                    {
                        Error($"lookup: {e.Message}");
                        continue;
                    }
                    lookupLatencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                    Interlocked.Increment(ref lookups);
                }
            })).ToList();

            try
            {
                await Task.Delay(options.Duration, cancel);
            }
            finally
            {
                stop.Cancel();
            }
            await Task.WhenAll(writers.Concat(readers));
            var elapsed = watch.Elapsed;
            var (waves, ingested) = await ingestLoop;
            var jobs = (await instance.CompactionTracker.ReadJobEventsAsync(table.Id, cancel)).Count(e => e.Kind == JobEventKind.Finished);
            foreach (var sample in errorSamples)
            {
                chatter($"server load: {sample}");
            }

            chatter("server load: checking every acknowledged row");
            var acknowledged = Enumerable.Range(0, options.Writers)
                .SelectMany(w => Enumerable.Range(0, lastAcknowledged[w] + 1).SelectMany(seq => Enumerable.Range(0, options.RowsPerWrite).Select(i => KeyOf(w, seq, i))))
                .ToList();
            var (inTable, missing, duplicated) = await CheckAsync(table, acknowledged, cancel);
            if (afterwards is not null)
            {
                await afterwards(table, acknowledged);
            }
            return new ServerLoadResult(options.Writers + options.Readers, elapsed, writes, acknowledged.Count, lookups, misses, errors,
                Sorted(writeLatencies), Sorted(lookupLatencies), waves, ingested, jobs, inTable, missing, duplicated);
        }
        finally
        {
            await app.StopAsync(CancellationToken.None);
            await app.DisposeAsync();
        }
    }

    private static string KeyOf(int writer, int batch, int row) => $"{WriterKeyPrefix}{writer:D3}-{batch:D7}-{row:D4}";

    /// <summary>Ingests generated files one after another until stopped: each wave one commit.</summary>
    private async Task<(int Waves, long Rows)> IngestLoopAsync(SleeperTable table, CancellationToken stop)
    {
        var generator = new StandardRows(options.Seed);
        var runner = new IngestRunner(table);
        var waves = 0;
        long rows = 0;
        while (!stop.IsCancellationRequested)
        {
            using var batch = generator.Next(options.IngestRowsPerWave);
            // Not cancelled mid-way: a wave either commits or never starts, so the count below is exact.
            await runner.IngestBatchesAsync([batch], cancellationToken: CancellationToken.None);
            waves++;
            rows += options.IngestRowsPerWave;
            await Pause(TimeSpan.FromMilliseconds(500), stop);
        }
        return (waves, rows);
    }

    private static async Task<(long Rows, long Missing, long Duplicated)> CheckAsync(SleeperTable table, IEnumerable<string> acknowledged, CancellationToken cancel)
    {
        var counts = acknowledged.ToDictionary(k => k, _ => 0, StringComparer.Ordinal);
        long rows = 0;
        await foreach (var batch in new QueryExecutor(table).RunAsync([Region.Whole(table.Schema)], null, cancel))
        {
            using (batch)
            {
                var keys = (Apache.Arrow.StringArray)batch.Column(0);
                for (var i = 0; i < batch.Length; i++)
                {
                    rows++;
                    var key = keys.GetString(i);
                    if (counts.TryGetValue(key, out var n))
                    {
                        counts[key] = n + 1;
                    }
                }
            }
        }
        return (rows, counts.Values.Count(n => n == 0), counts.Values.Count(n => n > 1));
    }

    private static async Task Pause(TimeSpan time, CancellationToken stop)
    {
        try
        {
            await Task.Delay(time, stop);
        }
        catch (OperationCanceledException)
        {
            // Stopping is the loop's normal end.
        }
    }

    private static List<double> Sorted(IEnumerable<double> values)
    {
        var list = values.ToList();
        list.Sort();
        return list;
    }
}
