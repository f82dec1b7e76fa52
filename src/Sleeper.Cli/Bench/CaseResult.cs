namespace Sleeper.Cli.Bench;

/// <summary>One case of the suite: both sides' measurements, what each side did, and figures that fit no column.</summary>
public sealed record CaseResult(
    string Name,
    string Unit,
    Measurement Ours,
    Measurement Peer,
    string OursDoes,
    string PeerDoes,
    string Notes)
{
    /// <summary>Ours over the peer: above 1 means ours is faster.</summary>
    public double Ratio => Ours.RowsPerSecond / Math.Max(Peer.RowsPerSecond, 1e-9);

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

    private static Measurement Fastest(IReadOnlyList<Measurement> runs) =>
        runs.MaxBy(m => m.RowsPerSecond)! with
        {
            PeakBytesAboveStart = runs.Max(m => m.PeakBytesAboveStart),
            PeakBytes = runs.Max(m => m.PeakBytes),
            AllocatedBytes = runs.Max(m => m.AllocatedBytes),
        };
}
