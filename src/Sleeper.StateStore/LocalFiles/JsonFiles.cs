using System.Text.Json;
using System.Text.Json.Nodes;
using Sleeper.Core;

namespace Sleeper.StateStore.LocalFiles;

/// <summary>Small files that each hold one JSON object: the transactions, queue messages and claims of an embedded instance.</summary>
public static class JsonFiles
{
    /// <summary>
    /// Reads the file's object and turns it into a record with <paramref name="read"/>, or returns null if the
    /// file does not exist (another process removed it). A file that is not such an object becomes a
    /// <see cref="SleeperException"/>: "{fileKind} '{path}' is not a valid {noun}: …".
    /// </summary>
    public static async Task<T?> TryReadAsync<T>(string path, string fileKind, string noun, Func<JsonObject, T> read, CancellationToken cancellationToken)
        where T : class
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
        return Parse(bytes, path, fileKind, noun, read);
    }

    /// <summary>Turns the bytes of a file's object into a record, with errors as <see cref="TryReadAsync"/> gives them.</summary>
    public static T Parse<T>(byte[] bytes, string path, string fileKind, string noun, Func<JsonObject, T> read)
    {
        try
        {
            var o = JsonNode.Parse(bytes)?.AsObject() ?? throw new JsonException("it is empty");
            return read(o);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException or ArgumentException)
        {
            throw new SleeperException($"{fileKind} '{path}' is not a valid {noun}: {e.Message}", e);
        }
    }

    /// <summary>A field the record cannot do without.</summary>
    public static JsonNode Required(this JsonObject o, string name) =>
        o[name] ?? throw new JsonException($"it has no '{name}'");
}
