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
}
