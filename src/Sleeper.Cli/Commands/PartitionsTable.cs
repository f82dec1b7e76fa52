using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Sleeper.Cli.Output;

namespace Sleeper.Cli.Commands;

/// <summary>
/// The table view of the partitions report: one row a partition in depth-first order, the id column drawn as a
/// tree so each partition sits under its parent and above its children, with its region, row count and file
/// references. Parent and child ids are not repeated in columns of their own: with ids as long as UUIDs they
/// would crowd out the region, and the tree already shows them (the JSON form lists them).
/// </summary>
public static class PartitionsTable
{
    // Keys are shown as typed: "é" rather than "\u00E9".
    private static readonly JsonSerializerOptions s_plain = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <param name="partitions">The partitions report (<see cref="Sleeper.Reports.TableStateReports.Partitions"/>): parents before their children.</param>
    public static void Write(CliContext context, JsonArray partitions) =>
        Render.Table(context, ["partition", "leaf", "region", "rows", "file refs"], Rows(partitions));

    public static IEnumerable<IReadOnlyList<string>> Rows(JsonArray partitions)
    {
        var byId = partitions.ToDictionary(p => p!["id"]!.GetValue<string>(), p => p!.AsObject(), StringComparer.Ordinal);
        // What a partition's children are drawn after: the parent's own indent, and a bar while siblings follow.
        var indentUnder = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var node in partitions)
        {
            var p = node!.AsObject();
            var id = p["id"]!.GetValue<string>();
            var parentId = p["parentId"]?.GetValue<string>();
            string label;
            if (parentId is not null && byId.TryGetValue(parentId, out var parent) && indentUnder.TryGetValue(parentId, out var indent))
            {
                var last = parent["childIds"]!.AsArray().Last()!.GetValue<string>() == id;
                label = indent + (last ? "└─ " : "├─ ") + id;
                indentUnder[id] = indent + (last ? "   " : "│  ");
            }
            else
            {
                label = id;
                indentUnder[id] = "";
            }
            yield return
            [
                label,
                p["isLeaf"]!.GetValue<bool>() ? "leaf" : "",
                RegionText(p["region"]!.AsObject()),
                p["rowCount"]!.GetValue<long>().ToString("N0", CultureInfo.InvariantCulture),
                p["fileReferenceCount"]!.GetValue<int>().ToString(CultureInfo.InvariantCulture),
            ];
        }
    }

    /// <summary>
    /// A region as Sleeper bounds it, one range per row-key field: <c>key ["b", "m")</c>, the minimum inclusive
    /// and the maximum exclusive, an unbounded maximum as ∞; values as in the JSON (strings quoted, byte arrays base64).
    /// </summary>
    public static string RegionText(JsonObject region) => string.Join(" ", region.Select(field =>
    {
        var a = field.Value!.AsArray();
        var min = a[0]?.ToJsonString(s_plain) ?? "null";
        var max = a[2]?.ToJsonString(s_plain) ?? "∞";
        return $"{field.Key} {(a[1]!.GetValue<bool>() ? "[" : "(")}{min}, {max}{(a[3]!.GetValue<bool>() ? "]" : ")")}";
    }));
}
