using Apache.Arrow;
using BenchmarkDotNet.Attributes;
using Sleeper.Parquet;

namespace Sleeper.Benchmarks;

/// <summary>Writing and reading a sorted Parquet file of the standard schema with the table defaults (zstd 3, 100,000-row groups).</summary>
[MemoryDiagnoser]
public class ParquetBenchmarks
{
    private string _folder = null!;
    private string _readPath = null!;
    private List<RecordBatch> _batches = null!;
    private ParquetWriteSettings _settings = null!;
    private int _written;

    [Params(1_000_000)]
    public int Rows { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _folder = Path.Combine(Path.GetTempPath(), $"sleeper-benchmarks-{Environment.ProcessId}");
        Directory.CreateDirectory(_folder);
        _settings = ParquetWriteSettings.Defaults(StandardBatches.Schema);
        using var sorted = StandardBatches.Sorted(Rows, seed: 42);
        _batches = StandardBatches.Slices(sorted, 64 * 1024);
        _readPath = Path.Combine(_folder, "read.parquet");
        Write(_readPath);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _batches.ForEach(b => b.Dispose());
        Directory.Delete(_folder, recursive: true);
    }

    [Benchmark]
    public long WriteSorted()
    {
        var path = Path.Combine(_folder, $"write-{_written++}.parquet");
        var rows = Write(path);
        File.Delete(path);
        File.Delete(SketchesFile.PathFor(path));
        return rows;
    }

    [Benchmark]
    public async Task<long> ReadAll()
    {
        using var reader = SortedParquetReader.Open(_readPath, StandardBatches.Schema);
        long rows = 0;
        await foreach (var batch in reader.ReadAllAsync())
        {
            rows += batch.Length;
            batch.Dispose();
        }
        return rows;
    }

    private long Write(string path)
    {
        using var writer = new SortedParquetWriter(path, _settings);
        foreach (var batch in _batches)
        {
            writer.Write(batch);
        }
        return writer.CommitAsync().GetAwaiter().GetResult();
    }
}
