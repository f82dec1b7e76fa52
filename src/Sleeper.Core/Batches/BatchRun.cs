using Apache.Arrow;

namespace Sleeper.Core.Batches;

/// <summary>Consecutive rows of one batch: the unit a merge copies at a time.</summary>
public readonly record struct BatchRun(RecordBatch Batch, int Start, int Length);
