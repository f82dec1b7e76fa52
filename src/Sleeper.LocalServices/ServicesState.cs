using System.Text.Json;
using System.Text.Json.Serialization;
using Sleeper.LocalServices.Processes;

namespace Sleeper.LocalServices;

/// <summary>One server as the state file records it: the process this tool started, and the port it was given.</summary>
/// <param name="Port">Kept after a stop, so a later start offers the same port again when it is free.</param>
/// <param name="Pid">Null when it is not running.</param>
/// <param name="StartTicks">With the pid, tells the server apart from a later process that reuses its id.</param>
internal sealed record ServerRecord(int Port, int? Pid, long? StartTicks)
{
    [JsonIgnore]
    public ProcessIdentity? Process => Pid is { } pid ? new ProcessIdentity(pid, StartTicks) : null;

    public static ServerRecord Running(int port, ProcessIdentity process) => new(port, process.Pid, process.StartTicks);

    public ServerRecord Stopped() => this with { Pid = null, StartTicks = null };
}

/// <summary>The state file of a services home: what runs, on which port. Written whole, atomically.</summary>
internal sealed record ServicesState(ServerRecord? Postgres, ServerRecord? S3)
{
    private static readonly JsonSerializerOptions Options = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    public static async Task<ServicesState> LoadAsync(string path, CancellationToken cancellationToken)
    {
        if (!File.Exists(path))
        {
            return new ServicesState(null, null);
        }
        try
        {
            await using var stream = File.OpenRead(path);
            return await JsonSerializer.DeserializeAsync<ServicesState>(stream, Options, cancellationToken) ?? new ServicesState(null, null);
        }
        catch (JsonException e)
        {
            throw new LocalServicesException(
                $"The services' state file {path} is damaged ({e.Message}). Stop any postgres or s3rver processes it started by hand, then delete it.", e);
        }
    }

    public async Task SaveAsync(string path, CancellationToken cancellationToken)
    {
        var temp = path + ".tmp";
        await File.WriteAllBytesAsync(temp, JsonSerializer.SerializeToUtf8Bytes(this, Options), cancellationToken);
        File.Move(temp, path, overwrite: true);
    }
}
