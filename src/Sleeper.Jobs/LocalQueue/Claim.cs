using System.Text.Json;
using System.Text.Json.Nodes;
using Sleeper.StateStore.LocalFiles;
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
    public static Task<Claim?> TryReadAsync(string path, CancellationToken cancellationToken) =>
        JsonFiles.TryReadAsync(path, "Queue claim file", "claim", o => new Claim(
            Enum.Parse<ClaimKind>(o.Required("kind").GetValue<string>()),
            o.Required("receiveCount").GetValue<int>(),
            o.Required("receipt").GetValue<string>(),
            new DateTimeOffset(o.Required("expiresAtTicks").GetValue<long>(), TimeSpan.Zero)), cancellationToken);
}
