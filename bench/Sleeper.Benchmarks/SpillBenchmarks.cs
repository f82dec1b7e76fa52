using Apache.Arrow;
using BenchmarkDotNet.Attributes;
using Sleeper.Ingest.Spill;

namespace Sleeper.Benchmarks;

/// <summary>
/// What a spill costs ingest: a sorted batch written to the scratch folder as an Arrow IPC run and read back
/// slice by slice, as the final merge reads it. Set beside the sort itself (BatchKernelBenchmarks) to show
/// that spilling is the cheap part of ingest beyond its budget.
/// </summary>
[MemoryDiagnoser]
public class SpillBenchmarks
{
    private RecordBatch _sorted = null!;
    private ScratchFolder _scratch = null!;

    [Params(1_000_000)]
    public int Rows { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _sorted = StandardBatches.Sorted(Rows, seed: 7);
        _scratch = new ScratchFolder(null);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _sorted.Dispose();
        _scratch.Dispose();
    }

    [Benchmark]
    public long WriteAndReadBack()
    {
        var path = _scratch.NewFile(SortedRunFile.Extension);
        SortedRunFile.Write(path, _sorted, 16 * 1024);
        long rows = 0;
        foreach (var batch in SortedRunFile.Read(path))
        {
            rows += batch.Length;
            batch.Dispose();
        }
        File.Delete(path);
        return rows;
    }
}
