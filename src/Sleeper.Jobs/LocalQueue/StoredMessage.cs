using System.Text.Json;
using System.Text.Json.Nodes;
using Sleeper.Core;

namespace Sleeper.Jobs.LocalQueue;

/// <summary>A message as its file holds it: in the queue (never received yet as far as the file knows) or in the dead letters.</summary>
internal sealed record StoredMessage(string Id, string Body, DateTimeOffset SentTime, int ReceiveCount)
{
    public byte[] ToBytes() => JsonSerializer.SerializeToUtf8Bytes(new JsonObject
    {
        ["id"] = Id,
        ["sentTime"] = SentTime.ToString("O"),
        ["receiveCount"] = ReceiveCount,
        ["body"] = Body,
    });

    /// <summary>Reads a message file, or returns null if it is gone (deleted or dead-lettered meanwhile).</summary>
    public static async Task<StoredMessage?> TryReadAsync(string path, string expectedId, CancellationToken cancellationToken)
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
            var id = Required(o, "id").GetValue<string>();
            if (id != expectedId)
            {
                throw new JsonException($"it holds message '{id}'");
            }
            return new StoredMessage(
                id,
                Required(o, "body").GetValue<string>(),
                DateTimeOffset.Parse(Required(o, "sentTime").GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture),
                Required(o, "receiveCount").GetValue<int>());
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            throw new SleeperException($"Queue message file '{path}' is not a valid message: {e.Message}", e);
        }
    }

    private static JsonNode Required(JsonObject o, string name) => o[name] ?? throw new JsonException($"it has no '{name}'");
}
