namespace Sleeper.Server;

/// <summary>A caller's mistake or a limit reached, with the HTTP status that says which; its message is the error the caller sees.</summary>
public sealed class ApiException(int status, string message) : Exception(message)
{
    public int Status { get; } = status;
}
