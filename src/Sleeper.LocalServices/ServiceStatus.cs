namespace Sleeper.LocalServices;

/// <summary>One service as <c>sleeper services status</c> reports it.</summary>
/// <param name="Name">"postgresql" or "s3rver".</param>
/// <param name="Running">Whether the process this tool started is still alive.</param>
/// <param name="Answering">Whether it answered a trivial request just now (a protocol greeting, an HTTP GET).</param>
/// <param name="Pid">The process id while it runs.</param>
/// <param name="Port">The port it listens on (or last listened on) at 127.0.0.1.</param>
/// <param name="DataFolder">Where its data lives.</param>
/// <param name="Note">Why it is not running when something went wrong (it exited on its own), else null.</param>
public sealed record ServiceStatus(string Name, bool Running, bool Answering, int? Pid, int? Port, string DataFolder, string? Note);

/// <summary>Both services, and the settings to reach them when both run.</summary>
public sealed record ServicesStatus(ServiceStatus Postgres, ServiceStatus S3, ServicesSettings? Settings)
{
    public IReadOnlyList<ServiceStatus> Services => [Postgres, S3];
}
