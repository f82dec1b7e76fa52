using Sleeper.Core.Schema;

namespace Sleeper.Parquet;

/// <summary>The smallest and largest value of a key column in one row group, as .NET key values; null when the file has none.</summary>
public sealed record KeyColumnStatistics(Field Field, object? Min, object? Max);
