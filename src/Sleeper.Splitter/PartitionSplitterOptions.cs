namespace Sleeper.Splitter;

/// <summary>Settings of a <see cref="PartitionSplitter"/>; tests inject the id source, random source and clock.</summary>
public sealed record PartitionSplitterOptions
{
    /// <summary>sleeper.partition.splitting.files.maximum: how many sketch files one split reads at most.</summary>
    public int MaxFilesPerSplit { get; init; } = 50;

    /// <summary>Ids for new child partitions; random UUIDs as Sleeper uses by default.</summary>
    public Func<string> NewPartitionId { get; init; } = () => Guid.NewGuid().ToString();

    /// <summary>Drives the sketches' merging, so a seeded one makes split values reproducible.</summary>
    public Random? Random { get; init; }

    public TimeProvider Time { get; init; } = TimeProvider.System;
}
