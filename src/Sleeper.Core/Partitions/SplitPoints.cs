using System.Text;
using Sleeper.Core.Keys;
using Sleeper.Core.Schema;

namespace Sleeper.Core.Partitions;

/// <summary>
/// The split-points file format: one split point per line, in the first row key's type; byte arrays in
/// base64, and strings too when the table says its splits are base64-encoded.
/// </summary>
public static class SplitPoints
{
    public static IReadOnlyList<object> Parse(string text, TableSchema schema, bool stringsBase64, string source)
    {
        var field = schema.RowKeyFields[0];
        var points = new List<object>();
        var lines = text.Replace("\r\n", "\n").Split('\n');
        var count = lines.Length;
        if (count > 0 && lines[^1].Length == 0)
        {
            count--;
        }
        for (var i = 0; i < count; i++)
        {
            var line = lines[i];
            var what = $"{source} line {i + 1}";
            if (field.Type is StringType && stringsBase64)
            {
                var bytes = (byte[])KeyValues.Parse(ByteArrayType.Instance, line.Trim(), what);
                points.Add(Encoding.UTF8.GetString(bytes));
            }
            else if (field.Type is StringType)
            {
                points.Add(line);
            }
            else
            {
                points.Add(KeyValues.Parse(field.PrimitiveType, line.Trim(), what));
            }
        }
        try
        {
            PartitionsBuilder.FromSplitPoints(schema, points, () => "check");
        }
        catch (SleeperException e)
        {
            throw new SleeperException($"{source}: {e.Message}");
        }
        return points;
    }

    public static string Format(IEnumerable<object> points, bool stringsBase64) =>
        string.Concat(points.Select(p => (p is string s && stringsBase64 ? Convert.ToBase64String(Encoding.UTF8.GetBytes(s)) : KeyValues.Format(p)) + "\n"));
}
