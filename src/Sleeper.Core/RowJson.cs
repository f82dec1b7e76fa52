using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using Sleeper.Core.Schema;

namespace Sleeper.Core;

/// <summary>
/// Rows as JSON, the one form shared by the CLI's JSON output and the server's API (so the two cannot disagree):
/// an object keyed by field name; ints and longs numbers, strings strings, byte arrays base64, lists arrays, maps
/// objects (keys as text, byte-array keys in base64), nulls null.
/// </summary>
public static class RowJson
{
    /// <summary>Writer options for rows: text is not escaped beyond what JSON needs, since rows are data, not HTML.</summary>
    public static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = true };

    /// <summary>One row as an object of the given fields, its values in the same order.</summary>
    public static void WriteRow(Utf8JsonWriter json, IReadOnlyList<Field> fields, Row row)
    {
        json.WriteStartObject();
        for (var i = 0; i < fields.Count; i++)
        {
            json.WritePropertyName(fields[i].Name);
            WriteValue(json, row.Values[i]);
        }
        json.WriteEndObject();
    }

    public static void WriteValue(Utf8JsonWriter json, object? value)
    {
        switch (value)
        {
            case null:
                json.WriteNullValue();
                break;
            case int i:
                json.WriteNumberValue(i);
                break;
            case long l:
                json.WriteNumberValue(l);
                break;
            case string s:
                json.WriteStringValue(s);
                break;
            case byte[] b:
                json.WriteBase64StringValue(b);
                break;
            case System.Collections.IDictionary map:
                json.WriteStartObject();
                foreach (System.Collections.DictionaryEntry e in map)
                {
                    json.WritePropertyName(e.Key is byte[] kb ? Convert.ToBase64String(kb) : Convert.ToString(e.Key, CultureInfo.InvariantCulture)!);
                    WriteValue(json, e.Value);
                }
                json.WriteEndObject();
                break;
            case System.Collections.IList list:
                json.WriteStartArray();
                foreach (var e in list)
                {
                    WriteValue(json, e);
                }
                json.WriteEndArray();
                break;
            default:
                json.WriteStringValue(value.ToString());
                break;
        }
    }
}
