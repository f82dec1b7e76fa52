namespace Sleeper.Core.Compaction;

/// <summary>What a strategy proposes: compact these files' references in this partition into one file.</summary>
public sealed record CompactionJobPlan(string PartitionId, IReadOnlyList<string> InputFiles);
