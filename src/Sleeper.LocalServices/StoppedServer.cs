namespace Sleeper.LocalServices;

/// <summary>A server that <c>sleeper services stop</c> stopped.</summary>
public sealed record StoppedServer(string Name, int Pid, int Port);
