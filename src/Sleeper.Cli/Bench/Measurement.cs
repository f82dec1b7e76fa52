using System.Diagnostics;

namespace Sleeper.Cli.Bench;

/// <summary>What one side of a case cost: time, rows, peak working set above the start, managed bytes allocated.</summary>
public sealed record Measurement(long Rows, TimeSpan Elapsed, long PeakBytesAboveStart, long PeakBytes, long AllocatedBytes)
{
    public double RowsPerSecond => Rows / Math.Max(Elapsed.TotalSeconds, 1e-9);

    /// <summary>
    /// Runs <paramref name="work"/> (which returns the rows it handled) after a full collection, so that
    /// garbage left by earlier cases neither counts against it nor is collected on its time.
    /// </summary>
    public static async Task<Measurement> RunAsync(Func<Task<long>> work)
    {
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        using var sampler = new MemorySampler(TimeSpan.FromMilliseconds(10));
        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        var watch = Stopwatch.StartNew();
        var rows = await work();
        watch.Stop();
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        var peak = sampler.Peak;
        return new Measurement(rows, watch.Elapsed, Math.Max(0, peak - sampler.Baseline), peak, allocated);
    }
}
