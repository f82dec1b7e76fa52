namespace Sleeper.Cli.Bench;

/// <summary>
/// One case of the suite, measured on two sides: both sides' measurements, what each side did, and figures that
/// fit no column. Most cases put ours against DuckDB; the services cases put ours on the S3 server and
/// PostgreSQL against ours on the embedded instance, so the labels say which two sides a row compares.
/// </summary>
public sealed record CaseResult(
    string Name,
    string Unit,
    Measurement Ours,
    Measurement Peer,
    string OursDoes,
    string PeerDoes,
    string Notes)
{
    /// <summary>What the report calls the measured side (the first column of figures).</summary>
    public string OursLabel { get; init; } = "ours";

    /// <summary>What the report calls the side it is compared with.</summary>
    public string PeerLabel { get; init; } = "DuckDB";

    /// <summary>Ours over the peer: above 1 means ours is faster.</summary>
    public double Ratio => Ours.RowsPerSecond / Math.Max(Peer.RowsPerSecond, 1e-9);

    /// <summary>Which report table the row belongs in: rows comparing the same two sides share one.</summary>
    public (string Ours, string Peer) Sides => (OursLabel, PeerLabel);

    /// <summary>
    /// The fastest run of each side over repetitions of one case: on a shared machine the slower runs measure
    /// the neighbours as much as the code. Memory is the most any repetition needed, because a later
    /// repetition starts with pages an earlier one left mapped and so looks cheaper than it is. Notes come
    /// from the last repetition.
    /// </summary>
    public static CaseResult Best(IReadOnlyList<CaseResult> repetitions)
    {
        var last = repetitions[^1];
        if (repetitions.Count == 1)
        {
            return last;
        }
        return last with
        {
            Ours = Fastest(repetitions.Select(r => r.Ours).ToList()),
            Peer = Fastest(repetitions.Select(r => r.Peer).ToList()),
            Notes = $"best of {repetitions.Count} runs (these notes from the last): {last.Notes}",
        };
    }

    /// <summary>
    /// The best of each row over repetitions of a run of several cases: rows are matched by case name and sides,
    /// and keep the order of the first repetition.
    /// </summary>
    public static IReadOnlyList<CaseResult> BestOfEach(IReadOnlyList<IReadOnlyList<CaseResult>> repetitions) =>
        repetitions[0].Select(first => Best(repetitions.SelectMany(r => r).Where(r => r.Name == first.Name && r.Sides == first.Sides).ToList())).ToList();

    private static Measurement Fastest(IReadOnlyList<Measurement> runs) =>
        runs.MaxBy(m => m.RowsPerSecond)! with
        {
            PeakBytesAboveStart = runs.Max(m => m.PeakBytesAboveStart),
            PeakBytes = runs.Max(m => m.PeakBytes),
            AllocatedBytes = runs.Max(m => m.AllocatedBytes),
        };
}
