using System.Diagnostics;
using Sleeper.Core.Keys;
using Sleeper.Query;

namespace Sleeper.Cli.Bench;

/// <summary>
/// The server under load (<see cref="ServerLoad"/>): REST requests per second from many concurrent clients, writes
/// and lookups, while ingest and compaction run, against the same lookups made in-process by the same number of
/// callers on the same table afterwards, so the ratio is what HTTP, JSON and authentication cost.
/// </summary>
public sealed class ServerLoadCase(string folder, long rows, Action<string> chatter)
{
    /// <summary>20 s of load for a real run; a few seconds when the suite runs small (as its test does).</summary>
    private ServerLoadOptions Options { get; } = new()
    {
        Writers = 8,
        Readers = 24,
        Duration = TimeSpan.FromSeconds(rows >= 1_000_000 ? 20 : 3),
        IngestRowsPerWave = (int)Math.Clamp(rows / 20, 1_000, 50_000),
    };

    public async Task<CaseResult> RunAsync(CancellationToken cancel)
    {
        Measurement? peer = null;
        var peerLatencies = new List<double>();
        ServerLoadResult? load = null;
        var ours = await Measurement.RunAsync(async () =>
        {
            load = await new ServerLoad(folder, Options, chatter).RunAsync(cancel, async (table, keys) =>
            {
                chatter($"server load: the same lookups in-process, {Options.Readers} callers");
                var query = new QueryExecutor(table);
                var time = TimeSpan.FromSeconds(5);
                peer = await Measurement.RunAsync(async () =>
                {
                    var until = Stopwatch.StartNew();
                    var counts = await Task.WhenAll(Enumerable.Range(0, Options.Readers).Select(c => Task.Run(async () =>
                    {
                        var random = new Random(c);
                        var latencies = new List<double>();
                        while (until.Elapsed < time)
                        {
                            var started = Stopwatch.GetTimestamp();
                            await foreach (var batch in query.RunAsync([Region.ForKey(table.Schema, Key.Of(keys[random.Next(keys.Count)]))], null, cancel))
                            {
                                batch.Dispose();
                            }
                            latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                        }
                        lock (peerLatencies)
                        {
                            peerLatencies.AddRange(latencies);
                        }
                        return (long)latencies.Count;
                    }, cancel)));
                    return counts.Sum();
                });
            });
            return load.Writes + load.Lookups;
        });
        var result = load!;
        if (!result.NothingLost)
        {
            throw new InvalidOperationException($"The server load lost or doubled rows: {result.AcknowledgedMissing} acknowledged missing, {result.AcknowledgedDuplicated} doubled, " +
                $"{result.LookupMisses} lookups missed, {result.Errors} failed requests, {result.RowsInTable:N0} rows in the table for {result.RowsWritten + result.RowsIngested:N0} written.");
        }
        peerLatencies.Sort();
        // The measured time is the clients' time under load, not the set-up and the check around it.
        ours = ours with { Rows = result.Writes + result.Lookups, Elapsed = result.Elapsed };
        return new CaseResult("server: REST under load", "requests/s", ours, peer!,
            $"{Options.Writers} writers ({Options.RowsPerWrite} rows a request) and {Options.Readers} readers (one exact key a request) over HTTP on loopback, each one request at a time, for {Options.Duration.TotalSeconds:0} s, while ingest commits a {Options.IngestRowsPerWave:N0}-row file every 0.5 s and compactions run",
            $"the same table's exact-key lookups with QueryExecutor in the same process, {Options.Readers} callers, 5 s",
            $"{result.RequestsPerSecond:N0} requests/s; writes p50 {BenchSuite.Percentile(result.WriteLatenciesMs.ToList(), 0.5):F1} ms, p99 {BenchSuite.Percentile(result.WriteLatenciesMs.ToList(), 0.99):F1} ms " +
            $"({result.RowsWritten:N0} rows); lookups p50 {BenchSuite.Percentile(result.LookupLatenciesMs.ToList(), 0.5):F1} ms, p99 {BenchSuite.Percentile(result.LookupLatenciesMs.ToList(), 0.99):F1} ms; " +
            $"in-process p50 {BenchSuite.Percentile(peerLatencies, 0.5):F2} ms, p99 {BenchSuite.Percentile(peerLatencies, 0.99):F2} ms; " +
            $"{result.IngestWaves} ingest commits ({result.RowsIngested:N0} rows) and {result.CompactionJobs} compaction jobs meanwhile; every acknowledged row found exactly once")
        {
            PeerLabel = "in-process",
        };
    }
}
