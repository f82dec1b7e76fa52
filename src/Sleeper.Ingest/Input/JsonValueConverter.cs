using System.Text.Json;
using Sleeper.Core;
using Sleeper.Core.Keys;
using Sleeper.Core.Schema;

namespace Sleeper.Ingest.Input;

/// <summary>
/// Turns JSON values into a field's .NET value: numbers for ints and longs (range-checked), strings,
/// base64 strings for byte arrays, arrays for lists, objects for maps (keys parsed by the map's key type).
/// </summary>
public static class JsonValueConverter
{
    public static object? Convert(Field field, JsonElement element, string where)
    {
        if (element.ValueKind == JsonValueKind.Null)
        {
            return null;
        }
        return field.Type switch
        {
            PrimitiveType p => Primitive(p, element, field.Name, where),
            ListType l => element.ValueKind == JsonValueKind.Array
                ? element.EnumerateArray().Select(e => (object?)Primitive(l.ElementType, e, field.Name, where)).ToList()
                : throw Wrong(field.Name, field.Type, element, where),
            MapType m => element.ValueKind == JsonValueKind.Object
                ? element.EnumerateObject().ToDictionary(
                    p => KeyValues.Parse(m.KeyType, p.Name, $"{where}: map key of field '{field.Name}'"),
                    p => p.Value.ValueKind == JsonValueKind.Null ? null : (object?)Primitive(m.ValueType, p.Value, field.Name, where))
                : throw Wrong(field.Name, field.Type, element, where),
            _ => throw new ArgumentOutOfRangeException(nameof(field)),
        };
    }

    private static object Primitive(PrimitiveType type, JsonElement e, string fieldName, string where)
    {
        switch (type)
        {
            case IntType when e.ValueKind == JsonValueKind.Number && e.TryGetInt32(out var i):
                return i;
            case LongType when e.ValueKind == JsonValueKind.Number && e.TryGetInt64(out var l):
                return l;
            case StringType when e.ValueKind == JsonValueKind.String:
                return e.GetString()!;
            case ByteArrayType when e.ValueKind == JsonValueKind.String:
                try
                {
                    return System.Convert.FromBase64String(e.GetString()!);
                }
                catch (FormatException)
                {
                    throw new RowValidationException($"{where}: field '{fieldName}' is a ByteArrayType and needs base64, but \"{e.GetString()}\" is not base64.");
                }
            default:
                throw Wrong(fieldName, type, e, where);
        }
    }

    private static RowValidationException Wrong(string fieldName, SleeperType type, JsonElement e, string where)
    {
        var text = e.GetRawText();
        if (text.Length > 40)
        {
            text = text[..40] + "…";
        }
        var hint = type is IntType && e.ValueKind == JsonValueKind.Number ? " (out of the int range, or not a whole number)"
            : type is LongType && e.ValueKind == JsonValueKind.Number ? " (out of the long range, or not a whole number)" : "";
        return new RowValidationException($"{where}: field '{fieldName}' should be {type.Name} but is {text}{hint}.");
    }
}
