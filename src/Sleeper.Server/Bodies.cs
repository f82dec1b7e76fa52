using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace Sleeper.Server;

/// <summary>
/// Reads request bodies as JSON with errors the caller can act on: malformed JSON is 400 with where it broke, a
/// body larger than <see cref="ServerLimits.MaxRequestBodyBytes"/> is 413 (Kestrel stops reading it).
/// </summary>
public static class Bodies
{
    private static readonly JsonDocumentOptions Options = new() { AllowDuplicateProperties = false, MaxDepth = 64 };

    public static async Task<JsonDocument> ReadDocumentAsync(HttpRequest request, string what, CancellationToken cancellationToken)
    {
        JsonDocument document;
        try
        {
            document = await JsonDocument.ParseAsync(request.Body, Options, cancellationToken);
        }
        catch (JsonException e)
        {
            throw new ApiException(StatusCodes.Status400BadRequest, $"{what}: the body is not valid JSON at line {(e.LineNumber ?? 0) + 1}, byte {(e.BytePositionInLine ?? 0) + 1}: {Reason(e)}");
        }
        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            document.Dispose();
            throw new ApiException(StatusCodes.Status400BadRequest, $"{what}: the body must be a JSON object.");
        }
        return document;
    }

    public static async Task<JsonObject> ReadObjectAsync(HttpRequest request, string what, CancellationToken cancellationToken)
    {
        using var document = await ReadDocumentAsync(request, what, cancellationToken);
        return JsonObject.Create(document.RootElement.Clone())!;
    }

    /// <summary>The message of a JSON error without the runtime's position suffixes, which the caller gets in our own words.</summary>
    public static string Reason(JsonException e) => e.Message.Split(" Path:", 2)[0].Split(" LineNumber:", 2)[0].Trim();

    /// <summary>A list of strings from a body property, or 400 naming it.</summary>
    public static IReadOnlyList<string> Strings(JsonObject body, string property, string what)
    {
        if (body[property] is not JsonArray array)
        {
            throw new ApiException(StatusCodes.Status400BadRequest, $"{what}: '{property}' must be a JSON array of strings.");
        }
        return array.Select((node, i) => node is JsonValue v && v.GetValueKind() == JsonValueKind.String
            ? v.GetValue<string>()
            : throw new ApiException(StatusCodes.Status400BadRequest, $"{what}: {property}[{i}] is not a string.")).ToList();
    }

    /// <summary>400 for the first property of the body that is not one of <paramref name="known"/>, so a misspelling is not silently ignored.</summary>
    public static void RequireOnly(JsonObject body, string what, params string[] known)
    {
        foreach (var (name, _) in body)
        {
            if (!known.Contains(name))
            {
                throw new ApiException(StatusCodes.Status400BadRequest, $"{what}: unknown property '{name}' (expected {string.Join(", ", known)}).");
            }
        }
    }
}
