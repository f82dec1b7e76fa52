using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Sleeper.Cli.Commands;

/// <summary>Table cells read from a report's JSON: the table views render exactly what the JSON says.</summary>
public static class ReportCells
{
    /// <summary>A field as text: strings as they are, numbers and booleans in invariant form, null or missing as "".</summary>
    public static string Text(JsonNode? node, string field) => node?[field] switch
    {
        null => "",
        JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
        var other => other.ToJsonString(),
    };

    /// <summary>A number with thousands separators, rounded to a whole number; "" when null.</summary>
    public static string N(JsonNode? node, string field) =>
        node?[field] is JsonValue v && v.GetValueKind() == JsonValueKind.Number ? Number(v).ToString("N0", CultureInfo.InvariantCulture) : "";

    /// <summary>A JSON number, whatever CLR type it was built from.</summary>
    public static double Number(JsonNode node) => double.Parse(node.ToJsonString(), CultureInfo.InvariantCulture);

    /// <summary>The time of day (HH:mm:ss) of a report time ("yyyy-MM-dd HH:mm:ss.fff" or ISO 8601); "" when null.</summary>
    public static string Clock(JsonNode? node, string field) => Text(node, field) is { Length: >= 19 } t ? t[11..19] : "";

    /// <summary>A report time to the second, date and time separated by a space; "" when null.</summary>
    public static string Seconds(JsonNode? node, string field) => Text(node, field) is { Length: >= 19 } t ? t[..19].Replace('T', ' ') : "";
}
