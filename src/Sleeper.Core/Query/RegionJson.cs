using System.Text.Json;
using System.Text.Json.Nodes;
using Sleeper.Core.Keys;
using Sleeper.Core.Schema;
using Sleeper.Core.StateStore;

namespace Sleeper.Core.Query;

/// <summary>
/// Sleeper's short region form, <c>{"field":[min, minInclusive, max, maxInclusive], …}</c> (fields left out are
/// unbounded), read the same way by the CLI's <c>--region</c> and the server's <c>region</c> query body.
/// </summary>
public static class RegionJson
{
    /// <summary>Reads the region from JSON text; <paramref name="label"/> names where it came from in messages (e.g. "--region").</summary>
    public static Region Parse(TableSchema schema, string text, string label)
    {
        JsonObject obj;
        try
        {
            obj = JsonNode.Parse(text) as JsonObject ?? throw new SleeperException($"{label} {text}: expected a JSON object keyed by row-key field.");
        }
        catch (JsonException e)
        {
            throw new SleeperException($"{label} {text}: not valid JSON ({e.Message}).");
        }
        return Parse(schema, obj, label, text);
    }

    /// <summary>Reads the region from a parsed object; <paramref name="text"/> is how to show it in messages.</summary>
    public static Region Parse(TableSchema schema, JsonObject obj, string label, string? text = null)
    {
        text ??= obj.ToJsonString();
        try
        {
            foreach (var (name, _) in obj)
            {
                if (!schema.RowKeyFields.Any(f => f.Name == name))
                {
                    throw new SleeperException($"{label}: '{name}' is not a row key field (row keys: {string.Join(", ", schema.RowKeyFields.Select(f => f.Name))}).");
                }
            }
        }
        // A repeated field, or a name that is not valid text (a lone surrogate), only fails when first read.
        catch (ArgumentException)
        {
            throw new SleeperException($"{label} {text}: a row key field appears twice; give each field once.");
        }
        catch (InvalidOperationException e)
        {
            throw new SleeperException($"{label} {text}: {e.Message}");
        }
        var ranges = schema.RowKeyFields.Select(field =>
        {
            if (obj[field.Name] is not JsonArray a)
            {
                return KeyRange.Unbounded(field);
            }
            if (a.Count != 4 || a[1] is not JsonValue || a[3] is not JsonValue)
            {
                throw new SleeperException($"{label}: the range of '{field.Name}' must be [min, minInclusive, max, maxInclusive].");
            }
            KeyRange range;
            try
            {
                var min = StateStoreSerDe.ReadKeyValue(field, a[0]);
                var max = StateStoreSerDe.ReadKeyValue(field, a[2]);
                range = new KeyRange(field, min ?? KeyValues.MinimumOf(field.PrimitiveType), a[1]!.GetValue<bool>(), max, a[3]!.GetValue<bool>());
            }
            catch (Exception e) when (e is SleeperException or InvalidOperationException or FormatException)
            {
                throw new SleeperException($"{label}: the range of '{field.Name}' is not valid: {e.Message}");
            }
            range.RequireNonEmpty(label);
            return range;
        }).ToArray();
        return new Region(ranges);
    }
}
