using Apache.Arrow;
using BenchmarkDotNet.Attributes;
using Sleeper.Core.Batches;

namespace Sleeper.Benchmarks;

/// <summary>The in-memory kernels of ingest: finding the sort order of a batch and gathering rows in that order.</summary>
[MemoryDiagnoser]
public class BatchKernelBenchmarks
{
    private RecordBatch _batch = null!;
    private int[] _permutation = null!;

    [Params(1_000_000)]
    public int Rows { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _batch = StandardBatches.Unsorted(Rows, seed: 42);
        _permutation = BatchSorter.SortPermutation(_batch, StandardBatches.Schema);
    }

    [GlobalCleanup]
    public void Cleanup() => _batch.Dispose();

    [Benchmark]
    public int SortPermutation() => BatchSorter.SortPermutation(_batch, StandardBatches.Schema).Length;

    [Benchmark]
    public int Take()
    {
        using var taken = BatchTake.Take(_batch, _permutation);
        return taken.Length;
    }
}
