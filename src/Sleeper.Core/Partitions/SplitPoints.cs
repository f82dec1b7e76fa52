using System.Text;
using Sleeper.Core.Keys;
using Sleeper.Core.Schema;

namespace Sleeper.Core.Partitions;

/// <summary>
/// The split-points file format: one split point per line, in the first row key's type; byte arrays in
/// base64, and strings too when the table says its splits are base64-encoded (as Sleeper's
/// <c>sleeper.table.splits.base64.encoded</c>).
/// </summary>
public static class SplitPoints
{
    // Strict, so a base64 line that decodes to bytes which are not UTF-8 is an error, not a string of U+FFFDs.
    private static readonly UTF8Encoding s_strictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>
    /// Reads split points, checking each line as it goes so that an error names the file and line: a value that
    /// does not parse, a blank line, the type's smallest value (it would leave the first partition empty), or a
    /// point not greater than the one before (unsorted or duplicate). Empty lines at the very end are allowed.
    /// </summary>
    /// <param name="source">The file's name, for messages.</param>
    public static IReadOnlyList<object> Parse(string text, TableSchema schema, bool stringsBase64, string source)
    {
        var field = schema.RowKeyFields[0];
        var type = field.PrimitiveType;
        var lines = text.Replace("\r\n", "\n").Split('\n');
        var count = lines.Length;
        while (count > 0 && lines[count - 1].Length == 0)
        {
            count--;
        }
        var points = new List<object>(count);
        for (var i = 0; i < count; i++)
        {
            var what = $"{source} line {i + 1}";
            var line = lines[i];
            // A plain string keeps its spaces: " a" and "a" are different keys.
            var value = type is StringType && !stringsBase64 ? line : line.Trim();
            if (value.Length == 0)
            {
                throw new SleeperException($"{what} is blank: a split-points file has one split point per line and no blank lines.");
            }
            var point = type is StringType && stringsBase64 ? DecodeBase64String(value, what) : KeyValues.Parse(type, value, what);
            if (KeyValues.Compare(type, point, KeyValues.MinimumOf(type)) == 0)
            {
                throw new SleeperException($"{what}: {Describe(point)} is the smallest {type.Name} value; a partition below it would always be empty.");
            }
            if (points.Count > 0)
            {
                var previous = points[^1];
                var c = KeyValues.Compare(type, previous, point);
                if (c == 0)
                {
                    throw new SleeperException($"{what}: split point {i + 1} ({Describe(point)}) duplicates split point {i} on line {i}; split points must be strictly increasing, with no duplicates.");
                }
                if (c > 0)
                {
                    throw new SleeperException($"{what}: split point {i + 1} ({Describe(point)}) is not greater than split point {i} ({Describe(previous)}) on line {i}; split points must be strictly increasing.");
                }
            }
            points.Add(point);
        }
        return points;
    }

    /// <summary>
    /// Writes split points one per line in the form <see cref="Parse"/> reads. A plain string holding a line
    /// break cannot be written so; the message says to use base64.
    /// </summary>
    public static string Format(IEnumerable<object> points, bool stringsBase64)
    {
        var text = new StringBuilder();
        var n = 0;
        foreach (var p in points)
        {
            n++;
            if (p is string s && stringsBase64)
            {
                text.Append(Convert.ToBase64String(Encoding.UTF8.GetBytes(s)));
            }
            else if (p is string plain && plain.AsSpan().IndexOfAny('\n', '\r') >= 0)
            {
                throw new SleeperException($"Split point {n} ({Describe(plain)}) holds a line break, so it cannot be written one per line; " +
                    "write string split points in base64 (sleeper.table.splits.base64.encoded=true).");
            }
            else
            {
                text.Append(KeyValues.Format(p));
            }
            text.Append('\n');
        }
        return text.ToString();
    }

    private static string DecodeBase64String(string text, string what)
    {
        byte[] bytes;
        try
        {
            bytes = Convert.FromBase64String(text);
        }
        catch (FormatException)
        {
            throw new SleeperException($"{what}: '{text}' is not base64 (sleeper.table.splits.base64.encoded is true, so string split points are written in base64).");
        }
        try
        {
            return s_strictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            throw new SleeperException($"{what}: '{text}' decodes to bytes that are not UTF-8, so it is not a string split point.");
        }
    }

    private static string Describe(object value) => value is string s ? $"'{s}'" : KeyValues.Format(value);
}
