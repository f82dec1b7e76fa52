using System.Text.Json;
using System.Text.Json.Nodes;
using Sleeper.Core;
using Sleeper.Core.Keys;
using Sleeper.Core.Schema;
using Sleeper.Core.StateStore;

namespace Sleeper.Cli.Commands;

/// <summary>Turns --key, --range and --region arguments into query regions, with usage errors that say what was wrong.</summary>
public static class QueryRegions
{
    public static Region FromKey(TableSchema schema, string text)
    {
        var fields = schema.RowKeyFields;
        var parts = fields.Count == 1 ? [text] : text.Split(',');
        if (parts.Length != fields.Count)
        {
            throw new UsageException($"--key {text}: give {fields.Count} comma-separated values, one per row key ({string.Join(", ", fields.Select(f => f.Name))}).");
        }
        var values = parts.Select((p, i) => Parse(fields[i], p, "--key")).ToArray();
        return Region.ForKey(schema, new Key(values));
    }

    public static Region FromRange(TableSchema schema, string text)
    {
        var comma = text.IndexOf(',');
        if (comma < 0 || text.IndexOf(',', comma + 1) >= 0)
        {
            // A third bound would otherwise become part of the max, silently; keys holding commas go in --region.
            throw new UsageException($"--range {text}: write it as MIN,MAX, with one comma (min inclusive, max exclusive; either side may be empty). " +
                "For keys that hold a comma, use --region.");
        }
        var field = schema.RowKeyFields[0];
        var min = text[..comma];
        var max = text[(comma + 1)..];
        var range = KeyRange.Of(field,
            min.Length == 0 ? null : Parse(field, min, "--range"),
            max.Length == 0 ? null : Parse(field, max, "--range"));
        Check(range, $"--range {text}");
        return Region.ForFirstFieldRange(schema, range);
    }

    /// <summary>Sleeper's form: {"field":[min, minInclusive, max, maxInclusive], …}; fields left out are unbounded.</summary>
    public static Region FromRegionJson(TableSchema schema, string text)
    {
        JsonObject obj;
        try
        {
            obj = JsonNode.Parse(text) as JsonObject ?? throw new UsageException($"--region {text}: expected a JSON object keyed by row-key field.");
        }
        catch (JsonException e)
        {
            throw new UsageException($"--region {text}: not valid JSON ({e.Message}).");
        }
        try
        {
            foreach (var (name, _) in obj)
            {
                if (!schema.RowKeyFields.Any(f => f.Name == name))
                {
                    throw new UsageException($"--region: '{name}' is not a row key field (row keys: {string.Join(", ", schema.RowKeyFields.Select(f => f.Name))}).");
                }
            }
        }
        // A repeated field, or a name that is not valid text (a lone surrogate), only fails when first read.
        catch (ArgumentException)
        {
            throw new UsageException($"--region {text}: a row key field appears twice; give each field once.");
        }
        catch (InvalidOperationException e)
        {
            throw new UsageException($"--region {text}: {e.Message}");
        }
        var ranges = schema.RowKeyFields.Select(field =>
        {
            if (obj[field.Name] is not JsonArray a)
            {
                return KeyRange.Unbounded(field);
            }
            if (a.Count != 4 || a[1] is not JsonValue || a[3] is not JsonValue)
            {
                throw new UsageException($"--region: the range of '{field.Name}' must be [min, minInclusive, max, maxInclusive].");
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
                throw new UsageException($"--region: the range of '{field.Name}' is not valid: {e.Message}");
            }
            Check(range, "--region");
            return range;
        }).ToArray();
        return new Region(ranges);
    }

    private static void Check(KeyRange range, string what)
    {
        try
        {
            range.RequireNonEmpty(what);
        }
        catch (SleeperException e)
        {
            throw new UsageException(e.Message);
        }
    }

    private static object Parse(Field field, string text, string option)
    {
        try
        {
            return KeyValues.Parse(field.PrimitiveType, text, $"{option}: row key '{field.Name}'");
        }
        catch (SleeperException e)
        {
            throw new UsageException(e.Message);
        }
    }
}
