namespace Sleeper.Core.Batches;

/// <summary>Consecutive rows of one of a list of source batches, named by its index in the list.</summary>
public readonly record struct SourceRun(int Source, int Start, int Length);
