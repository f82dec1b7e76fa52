using System.Text.Json;
using System.Text.Json.Nodes;

namespace Sleeper.Core.Schema;

/// <summary>
/// Reads and writes schemas in Sleeper's JSON form. Types may be written as plain names ("StringType"),
/// as single-key objects ({"StringType":{}}), and lists and maps as {"ListType":{"elementType":…}} and
/// {"MapType":{"keyType":…,"valueType":…}}, so Sleeper's own schema files load unchanged.
/// </summary>
public static class SchemaSerDe
{
    public static TableSchema FromJson(string json)
    {
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(json, documentOptions: new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
        }
        catch (JsonException e)
        {
            throw new SchemaException($"The schema is not valid JSON: {e.Message}");
        }
        if (root is not JsonObject obj)
        {
            throw new SchemaException("The schema must be a JSON object with rowKeyFields, sortKeyFields and valueFields.");
        }
        try
        {
            return Read(obj);
        }
        catch (ArgumentException e)
        {
            // A JSON object that repeats a name only fails when its entries are first read.
            throw new SchemaException($"The schema repeats an entry: {e.Message}");
        }
        catch (InvalidOperationException e)
        {
            // Reading a value as text fails only then too, e.g. a lone surrogate such as "\ud800" in a name.
            throw new SchemaException($"The schema holds a value that is not valid text: {e.Message}");
        }
    }

    private static TableSchema Read(JsonObject obj)
    {
        foreach (var (name, _) in obj)
        {
            if (name is not ("rowKeyFields" or "sortKeyFields" or "valueFields"))
            {
                throw new SchemaException($"The schema has an unknown entry '{name}'; expected rowKeyFields, sortKeyFields and valueFields.");
            }
        }
        var rowKeys = ReadFields(obj, "rowKeyFields", isKey: true);
        var sortKeys = ReadFields(obj, "sortKeyFields", isKey: true);
        var values = ReadFields(obj, "valueFields", isKey: false);
        return new TableSchema(rowKeys, sortKeys, values);
    }

    public static string ToJson(TableSchema schema, bool indented = true)
    {
        var obj = new JsonObject
        {
            ["rowKeyFields"] = WriteFields(schema.RowKeyFields),
            ["sortKeyFields"] = WriteFields(schema.SortKeyFields),
            ["valueFields"] = WriteFields(schema.ValueFields),
        };
        return obj.ToJsonString(new JsonSerializerOptions { WriteIndented = indented });
    }

    private static List<Field> ReadFields(JsonObject obj, string section, bool isKey)
    {
        var fields = new List<Field>();
        var node = obj[section];
        if (node is null)
        {
            return fields;
        }
        if (node is not JsonArray array)
        {
            throw new SchemaException($"'{section}' must be a JSON array of fields.");
        }
        for (var i = 0; i < array.Count; i++)
        {
            if (array[i] is not JsonObject fieldObj)
            {
                throw new SchemaException($"Entry {i} of '{section}' must be an object with a name and a type.");
            }
            var name = fieldObj["name"] is JsonValue nv && nv.TryGetValue<string>(out var n) ? n : null;
            if (string.IsNullOrWhiteSpace(name))
            {
                throw new SchemaException($"Entry {i} of '{section}' has no name.");
            }
            foreach (var (prop, _) in fieldObj)
            {
                if (prop is not ("name" or "type" or "nullable"))
                {
                    throw new SchemaException($"Field '{name}' has an unknown entry '{prop}'.");
                }
            }
            var type = ReadType(fieldObj["type"], name);
            var nullable = false;
            if (fieldObj["nullable"] is JsonNode nullableNode)
            {
                if (nullableNode is not JsonValue v || !v.TryGetValue<bool>(out nullable))
                {
                    throw new SchemaException($"Field '{name}': 'nullable' must be true or false.");
                }
            }
            if (isKey && type is not PrimitiveType)
            {
                throw new SchemaException($"Key field '{name}' has type {type.Name}; key fields must be IntType, LongType, StringType or ByteArrayType.");
            }
            if (isKey && nullable)
            {
                throw new SchemaException($"Key field '{name}' is nullable; key fields can never be null.");
            }
            fields.Add(new Field(name, type, nullable));
        }
        return fields;
    }

    private static SleeperType ReadType(JsonNode? node, string fieldName)
    {
        switch (node)
        {
            case null:
                throw new SchemaException($"Field '{fieldName}' has no type.");
            case JsonValue value when value.TryGetValue<string>(out var name):
                return PrimitiveFromName(name, fieldName)
                    ?? throw new SchemaException($"Field '{fieldName}' has unknown type '{name}'; expected IntType, LongType, StringType, ByteArrayType, ListType or MapType.");
            case JsonObject obj when obj.Count == 1:
                var (typeName, body) = obj.First();
                switch (typeName)
                {
                    case "ListType":
                        var list = TypeBody(body, fieldName, typeName, "elementType");
                        return new ListType(ReadPrimitive(list["elementType"], fieldName, "the list's elementType"));
                    case "MapType":
                        var map = TypeBody(body, fieldName, typeName, "keyType", "valueType");
                        return new MapType(
                            ReadPrimitive(map["keyType"], fieldName, "the map's keyType"),
                            ReadPrimitive(map["valueType"], fieldName, "the map's valueType"));
                    default:
                        return PrimitiveFromName(typeName, fieldName)
                            ?? throw new SchemaException($"Field '{fieldName}' has unknown type '{typeName}'; expected IntType, LongType, StringType, ByteArrayType, ListType or MapType.");
                }
            default:
                throw new SchemaException($"Field '{fieldName}' has a type that is neither a type name nor a single-entry object: {node.ToJsonString()}");
        }
    }

    private static JsonObject TypeBody(JsonNode? body, string fieldName, string typeName, params string[] entries)
    {
        if (body is not JsonObject obj)
        {
            throw new SchemaException($"Field '{fieldName}': {typeName} must be an object with {string.Join(" and ", entries)}, not {body?.ToJsonString() ?? "null"}.");
        }
        foreach (var (name, _) in obj)
        {
            if (!entries.Contains(name))
            {
                throw new SchemaException($"Field '{fieldName}': {typeName} has an unknown entry '{name}'; expected {string.Join(" and ", entries)}.");
            }
        }
        return obj;
    }

    private static PrimitiveType ReadPrimitive(JsonNode? node, string fieldName, string what)
    {
        var type = node is null
            ? throw new SchemaException($"Field '{fieldName}' is missing {what}.")
            : ReadType(node, fieldName);
        return type as PrimitiveType
            ?? throw new SchemaException($"Field '{fieldName}': {what} must be a primitive type, not {type.Name}.");
    }

    private static PrimitiveType? PrimitiveFromName(string name, string fieldName) => name switch
    {
        "IntType" => IntType.Instance,
        "LongType" => LongType.Instance,
        "StringType" => StringType.Instance,
        "ByteArrayType" => ByteArrayType.Instance,
        "ListType" or "MapType" => throw new SchemaException($"Field '{fieldName}' has type {name} without its element types; write it as {{\"{name}\":{{…}}}}."),
        _ => null,
    };

    private static JsonArray WriteFields(IEnumerable<Field> fields)
    {
        var array = new JsonArray();
        foreach (var field in fields)
        {
            var obj = new JsonObject { ["name"] = field.Name, ["type"] = WriteType(field.Type) };
            if (field.Nullable)
            {
                obj["nullable"] = true;
            }
            array.Add(obj);
        }
        return array;
    }

    private static JsonNode WriteType(SleeperType type) => type switch
    {
        PrimitiveType p => JsonValue.Create(p.Name),
        ListType l => new JsonObject { ["ListType"] = new JsonObject { ["elementType"] = l.ElementType.Name } },
        MapType m => new JsonObject { ["MapType"] = new JsonObject { ["keyType"] = m.KeyType.Name, ["valueType"] = m.ValueType.Name } },
        _ => throw new ArgumentOutOfRangeException(nameof(type)),
    };
}
