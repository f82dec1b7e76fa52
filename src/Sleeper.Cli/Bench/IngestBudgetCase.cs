using System.Globalization;
using Sleeper.Cli.Demo;
using Sleeper.Core;
using Sleeper.Core.Partitions;
using Sleeper.Core.Properties;
using Sleeper.Instance;

namespace Sleeper.Cli.Bench;

/// <summary>
/// Ingest with a memory budget: the whole unsorted input into a table of 64 leaves through `sleeper ingest` in
/// a child process, so its peak resident memory is its own. The peer sorts the same file with DuckDB held to
/// the same memory limit.
/// </summary>
public sealed class IngestBudgetCase(string folder, BenchInputs inputs, int threads, Action<string> chatter)
{
    public const string Budget = "256M";
    private int _runs;

    public async Task<CaseResult> RunAsync(CancellationToken cancel)
    {
        var root = Path.Combine(folder, $"instance-ingest-budget-{++_runs}");
        var instance = await EmbeddedInstance.CreateAsync(root, cancellationToken: cancel);
        var properties = SleeperProperties.ForTable();
        properties.Set(TableProperty.IngestMemoryBytes.Name, Budget);
        await instance.CreateTableAsync("bench", StandardRows.Schema, properties,
            PartitionsBuilder.FromSplitPoints(StandardRows.Schema, StandardRows.SplitPoints(BenchSuite.Leaves)), cancel);

        chatter($"ingest-budget: ours, `sleeper ingest` in a child process with a {Budget} budget");
        var (elapsed, peak, output) = await ChildProcess.RunSleeperAsync(["ingest", "bench", inputs.UnsortedPath, "--instance", root], cancel);
        var table = await instance.OpenTableAsync("bench", cancellationToken: cancel);
        var state = await table.StateStore.GetStateAsync(cancel);
        var committed = state.AllReferences().Sum(r => r.NumberOfRows);
        if (committed != inputs.Rows)
        {
            throw new SleeperException($"The budgeted ingest committed {committed} rows of {inputs.Rows}.");
        }
        var ours = new Measurement(inputs.Rows, elapsed, peak, peak, 0);

        chatter($"ingest-budget: peer with memory_limit {Budget}B");
        var peerOut = Path.Combine(folder, $"peer-ingest-budget-{_runs}.parquet");
        var spill = Path.Combine(folder, $"peer-spill-{_runs}");
        var limit = $"{Budget}B";
        string? peerNote = null;
        Measurement peer;
        try
        {
            peer = await PeerAsync(limit, peerOut, spill);
        }
        catch (Exception e) when (e.Message.Contains("Out of Memory", StringComparison.OrdinalIgnoreCase))
        {
            // The peer cannot do the work within the budget at all: say so, and measure it with the most memory
            // ours is allowed (1 GiB), so there is still a figure to set beside ours.
            peerNote = $"DuckDB failed within {limit} ({e.Message.Split('\n')[0].Trim()}), so its figures are with memory_limit 1GB";
            chatter($"ingest-budget: the peer ran out of memory within {limit}; again with 1GB");
            File.Delete(peerOut);
            limit = "1GB";
            peer = await PeerAsync(limit, peerOut, spill);
        }
        using (var duck = new DuckDbPeer(threads))
        {
            var rows = Convert.ToInt64(duck.Scalar($"SELECT count(*) FROM read_parquet({DuckDbPeer.Literal(peerOut)})"), CultureInfo.InvariantCulture);
            if (rows != inputs.Rows)
            {
                throw new SleeperException($"The peer wrote {rows} rows of {inputs.Rows} to '{peerOut}'.");
            }
        }
        return new CaseResult("ingest-budget", "rows/s", ours, peer,
            $"`sleeper ingest` of the unsorted input into a table of {BenchSuite.Leaves} leaves with sleeper.table.ingest.memory.bytes={Budget}, in a child process (time includes its start-up); peak MB is that process's whole peak resident set (VmHWM)",
            $"`SET memory_limit='{Budget}B'`, then `COPY (SELECT * FROM read_parquet(input) ORDER BY key, timestamp) TO out`, in-process, {threads} threads; peak MB is the growth of this process's working set",
            (peerNote is null ? "" : peerNote + "; ") + $"ours: {output.Trim()}");
    }

    private async Task<Measurement> PeerAsync(string limit, string output, string spill) =>
        await Measurement.RunAsync(() =>
        {
            using var duck = new DuckDbPeer(threads);
            duck.Execute($"SET memory_limit = '{limit}'");
            duck.Execute($"SET temp_directory = {DuckDbPeer.Literal(spill)}");
            duck.Execute($"COPY (SELECT * FROM read_parquet({DuckDbPeer.Literal(inputs.UnsortedPath)}) ORDER BY key, timestamp) TO {DuckDbPeer.Literal(output)} " +
                "(FORMAT parquet, COMPRESSION zstd, COMPRESSION_LEVEL 3, ROW_GROUP_SIZE 100000)");
            return Task.FromResult(inputs.Rows);
        });
}
