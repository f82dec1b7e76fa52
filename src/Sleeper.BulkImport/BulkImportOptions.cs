using Sleeper.Core.Properties;

namespace Sleeper.BulkImport;

/// <summary>How a bulk import uses the machine: threads, memory and scratch space.</summary>
public sealed record BulkImportOptions
{
    /// <summary>Rows are read, partitioned, sorted and written on this many threads at once.</summary>
    public int Parallelism { get; init; } = Environment.ProcessorCount;

    /// <summary>
    /// The bytes of rows held in memory before sorted runs are spilled to scratch files; null takes the larger of
    /// the table's <c>sleeper.table.ingest.memory.bytes</c> and a quarter of the memory this process may use,
    /// because bulk import is meant for inputs much larger than an ingest batch.
    /// </summary>
    public long? MemoryBytes { get; init; }

    /// <summary>Where the scratch folder for spilled runs is made; null for the system temp folder.</summary>
    public string? ScratchRoot { get; init; }

    /// <summary>The disk under <see cref="ScratchRoot"/>: the machine's own unless a test puts a failing one there.</summary>
    public Sleeper.Ingest.Spill.ScratchDisk? ScratchDisk { get; init; }

    /// <summary>Rows per batch read from an input, and per batch handed to the Parquet writer.</summary>
    public int BatchRows { get; init; } = 64 * 1024;

    public long MemoryBytesFor(SleeperProperties tableProperties) =>
        MemoryBytes ?? Math.Max(tableProperties.GetBytes(TableProperty.IngestMemoryBytes), GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / 4);
}
