namespace Sleeper.Server;

/// <summary>How `sleeper serve` listens and what it allows: loopback and credentials required unless told otherwise.</summary>
public sealed record ServerOptions
{
    /// <summary>The addresses Kestrel listens on; port 0 picks a free port (see <see cref="SleeperServer.Addresses"/>).</summary>
    public IReadOnlyList<string> Urls { get; init; } = ["http://127.0.0.1:5080"];

    /// <summary>Requests without a credential run as an anonymous reader with no authorisations. Off unless asked for.</summary>
    public bool AllowAnonymous { get; init; }

    /// <summary>The request limits; null reads them from the instance's properties (<see cref="ServerLimits.FromProperties"/>).</summary>
    public ServerLimits? Limits { get; init; }
}
