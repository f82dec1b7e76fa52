using System.Text.Json;
using System.Text.Json.Nodes;
using Sleeper.StateStore.LocalFiles;
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
    public static Task<StoredMessage?> TryReadAsync(string path, string expectedId, CancellationToken cancellationToken) =>
        JsonFiles.TryReadAsync(path, "Queue message file", "message", o =>
        {
            var id = o.Required("id").GetValue<string>();
            if (id != expectedId)
            {
                throw new JsonException($"it holds message '{id}'");
            }
            return new StoredMessage(
                id,
                o.Required("body").GetValue<string>(),
                DateTimeOffset.Parse(o.Required("sentTime").GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture),
                o.Required("receiveCount").GetValue<int>());
        }, cancellationToken);
}
