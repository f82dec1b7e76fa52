using Sleeper.Cli.Bench;
using Sleeper.TestSupport;

namespace Sleeper.Cli.Tests;

/// <summary>
/// The load test, small: concurrent REST writers and readers on loopback while ingest and compaction run, and then
/// every acknowledged row is in the table exactly once. Its speed is reported by `sleeper bench --case server`, never asserted.
/// </summary>
public sealed class ServerLoadTest : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task Concurrent_clients_during_ingest_and_compaction_lose_nothing()
    {
        var messages = new List<string>();
        var options = new ServerLoadOptions { Writers = 4, Readers = 8, RowsPerWrite = 20, Duration = TimeSpan.FromSeconds(6), IngestRowsPerWave = 2_000 };

        var result = await new ServerLoad(_temp.Path, options, m => { lock (messages) { messages.Add(m); } }).RunAsync(CancellationToken.None);

        Assert.True(result.Errors == 0, string.Join("\n", messages));
        Assert.True(result.Writes > 0 && result.Lookups > 0, $"writes {result.Writes}, lookups {result.Lookups}");
        Assert.True(result.IngestWaves >= 5, $"only {result.IngestWaves} ingest commits ran during the load");
        Assert.True(result.CompactionJobs > 0, "no compaction ran during the load");
        Assert.Equal(0, result.AcknowledgedMissing);
        Assert.Equal(0, result.AcknowledgedDuplicated);
        Assert.Equal(0, result.LookupMisses);
        Assert.Equal(result.RowsWritten + result.RowsIngested, result.RowsInTable);
        Assert.True(result.NothingLost);
    }
}
