using Sleeper.Core;
using Sleeper.Core.Keys;
using Sleeper.Core.Schema;
using Sleeper.Core.Query;

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

    /// <summary>Sleeper's form: {"field":[min, minInclusive, max, maxInclusive], …}; fields left out are unbounded (read by <see cref="RegionJson"/>, as the server reads it).</summary>
    public static Region FromRegionJson(TableSchema schema, string text)
    {
        try
        {
            return RegionJson.Parse(schema, text, "--region");
        }
        catch (SleeperException e)
        {
            throw new UsageException(e.Message);
        }
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
