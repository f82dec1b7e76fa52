using Apache.Arrow;
using BenchmarkDotNet.Attributes;
using Sleeper.Core.Batches;

namespace Sleeper.Benchmarks;

/// <summary>The k-way merge behind compaction and queries: ten sorted inputs of interleaved keys into one stream.</summary>
[MemoryDiagnoser]
public class MergeBenchmarks
{
    private const int Inputs = 10;
    private const int InputBatchRows = 64 * 1024;
    private List<List<RecordBatch>> _inputs = null!;

    [Params(1_000_000)]
    public int Rows { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        // Random keys in every input: the worst case for run lengths, as when files of one partition overlap fully.
        _inputs = Enumerable.Range(0, Inputs).Select(i =>
        {
            using var sorted = StandardBatches.Sorted(Rows / Inputs, seed: 100 + i);
            return StandardBatches.Slices(sorted, InputBatchRows);
        }).ToList();
    }

    [GlobalCleanup]
    public void Cleanup() => _inputs.SelectMany(i => i).ToList().ForEach(b => b.Dispose());

    [Benchmark]
    public long Merge()
    {
        long rows = 0;
        foreach (var batch in new StreamingBatchMerger(StandardBatches.Schema, InputBatchRows).Merge(_inputs.Select(i => (IEnumerable<RecordBatch>)i).ToList()))
        {
            rows += batch.Length;
            batch.Dispose();
        }
        return rows;
    }
}
