using Sleeper.Core;
using Sleeper.Core.Keys;
using Sleeper.Core.Query;
using Sleeper.Core.Schema;

namespace Sleeper.Client;

/// <summary>Turns a <see cref="SleeperQuery"/> into the executor's <see cref="QueryRequest"/> against a table's schema, checking every value.</summary>
internal static class QueryRequests
{
    public static QueryRequest Build(string tableName, TableSchema schema, SleeperQuery query)
    {
        var regions = new List<Region>();
        foreach (var key in query.Keys)
        {
            regions.Add(ForKey(tableName, schema, key));
        }
        foreach (var region in query.Regions)
        {
            regions.Add(ForRegion(tableName, schema, region));
        }
        if (regions.Count == 0)
        {
            throw new InvalidQueryException($"The query of table '{tableName}' has no keys or regions: it would return nothing. Give at least one.");
        }
        if (query.Fields is { } fields)
        {
            foreach (var field in fields)
            {
                if (schema.IndexOf(field) < 0)
                {
                    throw new InvalidQueryException($"'{field}' is not a field of table '{tableName}' (fields: {string.Join(", ", schema.AllFields.Select(f => f.Name))}).");
                }
            }
        }
        foreach (var authorisation in query.Authorisations)
        {
            if (string.IsNullOrEmpty(authorisation))
            {
                throw new InvalidQueryException($"The query of table '{tableName}' has an empty authorisation; every authorisation is a label.");
            }
        }
        return new QueryRequest(tableName, query.QueryId ?? Guid.NewGuid().ToString(), regions, null, query.IteratorClassName, query.IteratorConfig,
            new Dictionary<string, string>(), [])
        {
            Fields = query.Fields?.ToList(),
            Authorisations = query.Authorisations.ToList(),
        };
    }

    /// <summary>A key value of a field's type; an int is widened for a long field, since C# writes small numbers as ints.</summary>
    public static object KeyValue(string tableName, Field field, object? value, string what)
    {
        if (value is null)
        {
            throw new InvalidQueryException($"{what}: row key '{field.Name}' of table '{tableName}' is null; key values are never null.");
        }
        if (value is int i && field.Type is LongType)
        {
            return (long)i;
        }
        if (!KeyValues.IsOfType(field.PrimitiveType, value))
        {
            throw new InvalidQueryException($"{what}: row key '{field.Name}' of table '{tableName}' is of type {field.Type.Name}, " +
                $"but the value given, {KeyValues.Format(value)}, is of .NET type {value.GetType().Name}; give {ClrTypeFor(field.PrimitiveType)}.");
        }
        return value;
    }

    private static Region ForKey(string tableName, TableSchema schema, Key key)
    {
        var fields = schema.RowKeyFields;
        if (key.Count != fields.Count)
        {
            throw new InvalidQueryException($"Key {key} has {key.Count} value(s), but table '{tableName}' has {fields.Count} row key(s) " +
                $"({string.Join(", ", fields.Select(f => f.Name))}): give one value for each, in that order" +
                (key.Count == 1 && fields.Count > 1 ? ", as Key.Of(...)." : "."));
        }
        return new Region(fields.Select((f, d) => KeyRange.Exactly(f, KeyValue(tableName, f, key[d], $"Key {key}"))).ToArray());
    }

    private static Region ForRegion(string tableName, TableSchema schema, QueryRegion region)
    {
        foreach (var name in region.Ranges.Keys)
        {
            if (name != SleeperQuery.FirstRowKey && !schema.RowKeyFields.Any(f => f.Name == name))
            {
                throw new InvalidQueryException($"A query region names '{name}', which is not a row key of table '{tableName}' " +
                    $"(row keys: {string.Join(", ", schema.RowKeyFields.Select(f => f.Name))}).");
            }
        }
        return new Region(schema.RowKeyFields.Select((field, d) =>
        {
            var given = region.Ranges.GetValueOrDefault(field.Name) ?? (d == 0 ? region.Ranges.GetValueOrDefault(SleeperQuery.FirstRowKey) : null);
            if (given is null)
            {
                return KeyRange.Unbounded(field);
            }
            var what = $"The range of '{field.Name}'";
            var min = given.Min is null ? KeyValues.MinimumOf(field.PrimitiveType) : KeyValue(tableName, field, given.Min, what);
            var max = given.Max is null ? null : KeyValue(tableName, field, given.Max, what);
            var range = new KeyRange(field, min, given.Min is null || given.MinInclusive, max, given.MaxInclusive);
            try
            {
                range.RequireNonEmpty($"Query of table '{tableName}'");
            }
            catch (SleeperException e)
            {
                throw new InvalidQueryException(e.Message);
            }
            return range;
        }).ToArray());
    }

    private static string ClrTypeFor(PrimitiveType type) => type switch
    {
        IntType => "an int",
        LongType => "a long",
        StringType => "a string",
        _ => "a byte[]",
    };
}
