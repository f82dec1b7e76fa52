namespace Sleeper.Parquet;

/// <summary>What a file's footer says about one row group: its rows and the range of each key column (row keys, then sort keys).</summary>
public sealed record RowGroupInfo(int Index, long RowCount, IReadOnlyList<KeyColumnStatistics> KeyStatistics);
