using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Sleeper.Core.Keys;
using Sleeper.Core.Schema;

namespace Sleeper.Core.Query;

/// <summary>
/// Reads Sleeper's query JSON (<c>tableName</c>, <c>queryId</c>, <c>keys</c>, <c>ranges</c> or <c>regions</c>,
/// <c>requestedValueFields</c>, <c>queryTimeIteratorClassName</c>, <c>queryTimeIteratorConfig</c>,
/// <c>resultsPublisherConfig</c>) against a table's schema, so that row-key values take the schema's types.
/// </summary>
/// <remarks>
/// Three ways of giving what to read are accepted, exactly one per query:
/// <list type="bullet">
/// <item><c>keys</c>: exact keys, <c>{"field": value, …}</c> with every row-key field.</item>
/// <item><c>ranges</c>, as in Sleeper's <c>example/query/*.json</c>: <c>{"min": {"field": value, …},
/// "minInclusive": b, "max": {…}, "maxInclusive": b}</c>, or per row-key field
/// <c>{"field": {"min": v, "minInclusive": b, "max": v, "maxInclusive": b}, …}</c>.</item>
/// <item><c>regions</c>: Sleeper's region form, per row-key field as above.</item>
/// </list>
/// As in Sleeper's region serde, minInclusive defaults to true and maxInclusive to false; a missing or null min
/// is unbounded below and a missing or null max unbounded above, and a row-key field left out is unbounded.
/// Sleeper's serde writes string keys in base64 and reads them so unless <c>stringsBase64Encoded</c> is false:
/// that default holds in <c>regions</c>; in <c>keys</c> and <c>ranges</c>, which are written by hand, strings
/// are plain unless <c>stringsBase64Encoded</c> is true. Byte arrays are always base64. Int and long values may
/// be JSON numbers or strings of digits.
/// </remarks>
public static class QueryJson
{
    private static readonly string[] TopLevel =
    [
        "tableName", "queryId", "type", "keys", "ranges", "regions", "requestedValueFields",
        "queryTimeIteratorClassName", "queryTimeIteratorConfig", "resultsPublisherConfig", "statusReportDestinations",
    ];

    private const string Base64Flag = "stringsBase64Encoded";

    /// <summary>Reads a query for the named table.</summary>
    /// <param name="source">What the JSON came from, for messages (e.g. "query file q.json").</param>
    /// <exception cref="SleeperException">The JSON is malformed or does not fit the table; the message says where.</exception>
    public static QueryRequest Parse(string json, TableSchema schema, string tableName, string source)
    {
        JsonObject root;
        try
        {
            var options = new JsonDocumentOptions { AllowDuplicateProperties = false };
            root = JsonNode.Parse(json, documentOptions: options) as JsonObject
                ?? throw new SleeperException($"{source}: expected a JSON object (a Sleeper query).");
        }
        catch (JsonException e)
        {
            var line = (e.LineNumber ?? 0) + 1;
            var column = (e.BytePositionInLine ?? 0) + 1;
            var reason = e.Message.Split(" Path:", 2)[0].Split(" LineNumber:", 2)[0].Trim();
            throw new SleeperException($"{source}: not valid JSON at line {line}, column {column}: {reason}");
        }
        var reader = new Reader(schema, source);
        foreach (var (name, _) in root)
        {
            if (!TopLevel.Contains(name))
            {
                throw new SleeperException($"{source}: unknown property '{name}' (a query may have {string.Join(", ", TopLevel)}).");
            }
        }
        var givenTable = reader.OptionalString(root, "tableName", "tableName")
            ?? throw new SleeperException($"{source}: tableName is missing; it must name the table, {tableName}.");
        if (givenTable != tableName)
        {
            throw new SleeperException($"{source}: tableName is '{givenTable}' but the query is of table '{tableName}'.");
        }
        if (reader.OptionalString(root, "type", "type") is { } type && type != "Query")
        {
            throw new SleeperException($"{source}: type is '{type}'; only \"Query\" can be run here.");
        }
        var given = new[] { "keys", "ranges", "regions" }.Where(root.ContainsKey).ToList();
        if (given.Count == 0)
        {
            throw new SleeperException($"{source}: give the rows to read as keys or ranges.");
        }
        if (given.Count > 1)
        {
            throw new SleeperException($"{source}: give either {string.Join(" or ", given)}, not both.");
        }
        var regions = given[0] switch
        {
            "keys" => reader.Array(root["keys"], "keys").Select((k, i) => reader.Key(k, $"keys[{i}]")).ToList(),
            "ranges" => reader.Array(root["ranges"], "ranges").Select((r, i) => reader.Range(r, $"ranges[{i}]")).ToList(),
            _ => reader.Array(root["regions"], "regions").Select((r, i) => reader.PerFieldRegion(r, $"regions[{i}]", stringsBase64: true)).ToList(),
        };
        if (regions.Count == 0)
        {
            throw new SleeperException($"{source}: {given[0]} is empty; give at least one.");
        }
        List<string>? requested = null;
        if (root["requestedValueFields"] is { } fieldsNode)
        {
            requested = reader.Array(fieldsNode, "requestedValueFields")
                .Select((f, i) => reader.String(f, $"requestedValueFields[{i}]")).ToList();
            foreach (var f in requested.Where(f => schema.IndexOf(f) < 0))
            {
                throw new SleeperException($"{source}: requestedValueFields: '{f}' is not a field of table {tableName} (value fields: {string.Join(", ", schema.ValueFields.Select(x => x.Name))}).");
            }
        }
        var publisher = new Dictionary<string, string>(StringComparer.Ordinal);
        if (root["resultsPublisherConfig"] is { } publisherNode)
        {
            if (publisherNode is not JsonObject publisherObject)
            {
                throw new SleeperException($"{source}: resultsPublisherConfig must be an object of strings.");
            }
            foreach (var (k, v) in publisherObject)
            {
                publisher[k] = v is JsonValue value && value.GetValueKind() is JsonValueKind.String
                    ? value.GetValue<string>()
                    : v?.ToJsonString() ?? throw new SleeperException($"{source}: resultsPublisherConfig.{k} is null.");
            }
        }
        var warnings = new List<string>();
        if (root["statusReportDestinations"] is not null)
        {
            warnings.Add($"{source}: statusReportDestinations has no effect here; see `sleeper status` for queries.");
        }
        return new QueryRequest(
            tableName,
            reader.OptionalString(root, "queryId", "queryId"),
            regions,
            requested,
            reader.OptionalString(root, "queryTimeIteratorClassName", "queryTimeIteratorClassName"),
            reader.OptionalString(root, "queryTimeIteratorConfig", "queryTimeIteratorConfig"),
            publisher,
            warnings);
    }

    private sealed class Reader(TableSchema schema, string source)
    {
        private SleeperException Error(string path, string message) => new($"{source}: {path}: {message}");

        public IEnumerable<JsonNode?> Array(JsonNode? node, string path) =>
            node as JsonArray ?? throw Error(path, "must be a JSON array.");

        public string String(JsonNode? node, string path) =>
            node is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : throw Error(path, $"{Show(node)} is not a string.");

        public string? OptionalString(JsonObject obj, string name, string path) =>
            obj[name] is null ? null : String(obj[name], path);

        private bool Bool(JsonNode? node, string path, bool whenAbsent) => node switch
        {
            null => whenAbsent,
            JsonValue v when v.GetValueKind() is JsonValueKind.True => true,
            JsonValue v when v.GetValueKind() is JsonValueKind.False => false,
            _ => throw Error(path, $"{Show(node)} is not true or false."),
        };

        private JsonObject Object(JsonNode? node, string path) =>
            node as JsonObject ?? throw Error(path, $"{Show(node)} is not a JSON object.");

        private Field RowKey(string name, string path) =>
            schema.RowKeyFields.FirstOrDefault(f => f.Name == name)
            ?? throw Error(path, $"'{name}' is not a row key field (row keys: {string.Join(", ", schema.RowKeyFields.Select(f => f.Name))}).");

        public Region Key(JsonNode? node, string path)
        {
            var obj = Object(node, path);
            var base64 = Bool(obj[Base64Flag], $"{path}.{Base64Flag}", whenAbsent: false);
            var values = new Dictionary<string, object>(StringComparer.Ordinal);
            foreach (var (name, valueNode) in obj)
            {
                if (name == Base64Flag)
                {
                    continue;
                }
                var field = RowKey(name, path);
                values[name] = Value(field, valueNode, $"{path}.{name}", base64)
                    ?? throw Error($"{path}.{name}", "an exact key cannot be null.");
            }
            if (schema.RowKeyFields.FirstOrDefault(f => !values.ContainsKey(f.Name)) is { } missing)
            {
                throw Error(path, $"has no value for row key '{missing.Name}'; an exact key gives every row key ({string.Join(", ", schema.RowKeyFields.Select(f => f.Name))}).");
            }
            return new Region(schema.RowKeyFields.Select(f => KeyRange.Exactly(f, values[f.Name])).ToArray());
        }

        /// <summary>Either form of a range: bounds as objects keyed by field, or a range per field.</summary>
        public Region Range(JsonNode? node, string path)
        {
            var obj = Object(node, path);
            var boundsForm = obj.Any(p => (p.Key is "min" or "max" && p.Value is JsonObject) || p.Key is "minInclusive" or "maxInclusive");
            return boundsForm ? BoundsRegion(obj, path) : PerFieldRegion(obj, path, stringsBase64: false);
        }

        private Region BoundsRegion(JsonObject obj, string path)
        {
            foreach (var (name, _) in obj)
            {
                if (name is not ("min" or "max" or "minInclusive" or "maxInclusive" or Base64Flag))
                {
                    throw Error(path, $"unknown property '{name}' (a range has min, minInclusive, max, maxInclusive, each of min and max an object keyed by row key field).");
                }
            }
            var base64 = Bool(obj[Base64Flag], $"{path}.{Base64Flag}", whenAbsent: false);
            var minInclusive = Bool(obj["minInclusive"], $"{path}.minInclusive", whenAbsent: true);
            var maxInclusive = Bool(obj["maxInclusive"], $"{path}.maxInclusive", whenAbsent: false);
            var mins = Bounds(obj["min"], $"{path}.min", base64);
            var maxes = Bounds(obj["max"], $"{path}.max", base64);
            return Checked(schema.RowKeyFields.Select(f =>
                MakeRange(f, mins.GetValueOrDefault(f.Name), minInclusive, maxes.GetValueOrDefault(f.Name), maxInclusive)).ToArray(), path);
        }

        private Dictionary<string, object?> Bounds(JsonNode? node, string path, bool base64)
        {
            var values = new Dictionary<string, object?>(StringComparer.Ordinal);
            if (node is null)
            {
                return values;
            }
            foreach (var (name, valueNode) in Object(node, path))
            {
                values[name] = Value(RowKey(name, path), valueNode, $"{path}.{name}", base64);
            }
            return values;
        }

        public Region PerFieldRegion(JsonNode? node, string path, bool stringsBase64)
        {
            var obj = Object(node, path);
            var base64 = Bool(obj[Base64Flag], $"{path}.{Base64Flag}", whenAbsent: stringsBase64);
            var given = new Dictionary<string, KeyRange>(StringComparer.Ordinal);
            foreach (var (name, rangeNode) in obj)
            {
                if (name == Base64Flag)
                {
                    continue;
                }
                var field = RowKey(name, path);
                var fieldPath = $"{path}.{name}";
                var range = Object(rangeNode, fieldPath);
                foreach (var (property, _) in range)
                {
                    if (property is not ("min" or "max" or "minInclusive" or "maxInclusive"))
                    {
                        throw Error(fieldPath, $"unknown property '{property}' (the range of a row key has min, minInclusive, max, maxInclusive).");
                    }
                }
                given[name] = MakeRange(field,
                    Value(field, range["min"], $"{fieldPath}.min", base64),
                    Bool(range["minInclusive"], $"{fieldPath}.minInclusive", whenAbsent: true),
                    Value(field, range["max"], $"{fieldPath}.max", base64),
                    Bool(range["maxInclusive"], $"{fieldPath}.maxInclusive", whenAbsent: false));
            }
            return Checked(schema.RowKeyFields.Select(f => given.GetValueOrDefault(f.Name) ?? KeyRange.Unbounded(f)).ToArray(), path);
        }

        // No min is the type's minimum, which is itself a key, so it is included whatever minInclusive says.
        private static KeyRange MakeRange(Field field, object? min, bool minInclusive, object? max, bool maxInclusive) =>
            new(field, min ?? KeyValues.MinimumOf(field.PrimitiveType), min is null || minInclusive, max, maxInclusive);

        private Region Checked(KeyRange[] ranges, string path)
        {
            foreach (var range in ranges)
            {
                range.RequireNonEmpty($"{source}: {path}");
            }
            return new Region(ranges);
        }

        private object? Value(Field field, JsonNode? node, string path, bool stringsBase64)
        {
            if (node is null)
            {
                return null;
            }
            var kind = node.GetValueKind();
            var type = field.PrimitiveType;
            switch (type)
            {
                case IntType or LongType when kind is JsonValueKind.Number or JsonValueKind.String:
                    var text = kind == JsonValueKind.String ? node.GetValue<string>() : node.ToJsonString();
                    if (type is IntType && int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var i))
                    {
                        return i;
                    }
                    if (type is LongType && long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l))
                    {
                        return l;
                    }
                    throw Error(path, $"{Show(node)} is not {(type is IntType ? "an int" : "a long")} (row key '{field.Name}' is of type {type.Name}).");
                case StringType when kind is JsonValueKind.String:
                    var s = node.GetValue<string>();
                    if (!stringsBase64)
                    {
                        return s;
                    }
                    try
                    {
                        return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(Convert.FromBase64String(s));
                    }
                    catch (Exception e) when (e is FormatException or ArgumentException)
                    {
                        throw Error(path, $"{Show(node)} is not the base64 of UTF-8 text; strings here are base64 unless {Base64Flag} is false.");
                    }
                case ByteArrayType when kind is JsonValueKind.String:
                    try
                    {
                        return Convert.FromBase64String(node.GetValue<string>());
                    }
                    catch (FormatException)
                    {
                        throw Error(path, $"{Show(node)} is not base64 (byte array keys are written in base64).");
                    }
                default:
                    throw Error(path, $"{Show(node)} is not a {type.Name} value (row key '{field.Name}').");
            }
        }

        private static string Show(JsonNode? node) => node?.ToJsonString() ?? "null";
    }
}
