using System.Text.Json;
using System.Text.Json.Nodes;
using Sleeper.Core;

namespace Sleeper.Jobs.LocalQueue;

/// <summary>
/// One link of a message's claim chain: a small file that is created once, by exactly one writer, and never
/// rewritten, so it can be cached by name.
/// </summary>
internal sealed record Claim(ClaimKind Kind, int ReceiveCount, string Receipt, DateTimeOffset ExpiresAt)
{
    /// <summary>Whether the message is still hidden from receivers at <paramref name="now"/>.</summary>
    public bool IsLive(DateTimeOffset now) => now < ExpiresAt;

    public byte[] ToBytes() => JsonSerializer.SerializeToUtf8Bytes(new JsonObject
    {
        ["kind"] = Kind.ToString(),
        ["receiveCount"] = ReceiveCount,
        ["receipt"] = Receipt,
        ["expiresAtTicks"] = ExpiresAt.UtcTicks,
    });

    /// <summary>Reads a claim, or returns null if it is gone (its message was deleted and the chain removed).</summary>
    public static async Task<Claim?> TryReadAsync(string path, CancellationToken cancellationToken)
    {
        byte[] bytes;
        try
        {
            bytes = await File.ReadAllBytesAsync(path, cancellationToken);
        }
        catch (FileNotFoundException)
        {
            return null;
        }
        try
        {
            var o = JsonNode.Parse(bytes)?.AsObject() ?? throw new JsonException("it is empty");
            return new Claim(
                Enum.Parse<ClaimKind>(Required(o, "kind").GetValue<string>()),
                Required(o, "receiveCount").GetValue<int>(),
                Required(o, "receipt").GetValue<string>(),
                new DateTimeOffset(Required(o, "expiresAtTicks").GetValue<long>(), TimeSpan.Zero));
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException or ArgumentException)
        {
            throw new SleeperException($"Queue claim file '{path}' is not a valid claim: {e.Message}", e);
        }
    }

    private static JsonNode Required(JsonObject o, string name) =>
        o[name] ?? throw new JsonException($"it has no '{name}'");
}
