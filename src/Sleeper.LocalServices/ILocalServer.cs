namespace Sleeper.LocalServices;

/// <summary>One kind of local server: how it is installed, started on a port, probed and stopped.</summary>
internal interface ILocalServer
{
    /// <summary>The name status reports ("postgresql", "s3rver").</summary>
    string Name { get; }

    string DataFolder { get; }

    /// <summary>Starts a new server process and waits until it answers. Offers <paramref name="preferredPort"/> first when it is free.</summary>
    Task<ServerRecord> StartAsync(int? preferredPort, CancellationToken cancellationToken);

    /// <summary>Stops the process the record names, and nothing else.</summary>
    Task StopAsync(ServerRecord record, CancellationToken cancellationToken);

    Task<bool> AnswersAsync(int port, CancellationToken cancellationToken);
}
