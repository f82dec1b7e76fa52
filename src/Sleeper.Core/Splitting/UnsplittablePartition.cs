namespace Sleeper.Core.Splitting;

/// <summary>
/// A leaf found to be unsplittable (every row has the same key) from the sketches of these files. It is not tried
/// again until the files that would decide its split change, so an unsplittable partition costs one look, not one
/// look every round for ever.
/// </summary>
public sealed record UnsplittablePartition(string PartitionId, IReadOnlyList<string> Filenames, long RowCount, string Reason, DateTimeOffset FoundTime)
{
    /// <summary>Whether a new job would decide from exactly the files this finding was made from.</summary>
    public bool AppliesTo(SplitPartitionJob job) =>
        job.PartitionId == PartitionId
        && job.Filenames.Count == Filenames.Count
        && job.Filenames.Order(StringComparer.Ordinal).SequenceEqual(Filenames.Order(StringComparer.Ordinal), StringComparer.Ordinal);
}
