using Sleeper.Core.Keys;
using Sleeper.Core.Schema;

namespace Sleeper.Core;

/// <summary>Checks a row's values against a schema: every key present and non-null, every value of its field's type.</summary>
public static class RowValidator
{
    /// <param name="where">Where the row came from, for the error (e.g. "rows.jsonl line 12").</param>
    public static void Validate(TableSchema schema, object?[] values, string where)
    {
        if (values.Length != schema.AllFields.Count)
        {
            throw new RowValidationException($"{where}: the row has {values.Length} values; the schema has {schema.AllFields.Count} fields.");
        }
        for (var i = 0; i < values.Length; i++)
        {
            var field = schema.AllFields[i];
            var value = values[i];
            if (value is null)
            {
                if (i < schema.KeyFieldCount)
                {
                    throw new RowValidationException($"{where}: {(i < schema.RowKeyFields.Count ? "row key" : "sort key")} '{field.Name}' is missing or null; key fields must have a value.");
                }
                if (!field.Nullable)
                {
                    throw new RowValidationException($"{where}: field '{field.Name}' is missing or null but is not nullable.");
                }
                continue;
            }
            if (!IsOfType(field.Type, value))
            {
                throw new RowValidationException($"{where}: field '{field.Name}' should be {field.Type.Name} but is {Describe(value)}.");
            }
        }
    }

    private static bool IsOfType(SleeperType type, object value) => type switch
    {
        PrimitiveType p => KeyValues.IsOfType(p, value),
        ListType l => value is System.Collections.IList list and not byte[] && list.Cast<object?>().All(e => e is not null && KeyValues.IsOfType(l.ElementType, e)),
        MapType m => value is System.Collections.IDictionary map && map.Keys.Cast<object>().All(k => KeyValues.IsOfType(m.KeyType, k))
            && map.Values.Cast<object?>().All(v => v is null || KeyValues.IsOfType(m.ValueType, v)),
        _ => false,
    };

    private static string Describe(object value) => value switch
    {
        int => "an int",
        long => "a long",
        string s => $"the string \"{(s.Length > 40 ? s[..40] + "…" : s)}\"",
        byte[] => "a byte array",
        System.Collections.IDictionary => "a map",
        System.Collections.IList => "a list",
        _ => value.GetType().Name,
    };
}
