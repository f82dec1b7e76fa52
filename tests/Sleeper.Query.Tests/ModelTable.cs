using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Apache.Arrow;
using Sleeper.Core;
using Sleeper.Core.Batches;
using Sleeper.Core.Keys;
using Sleeper.Core.Schema;
using Field = Sleeper.Core.Schema.Field;

namespace Sleeper.Query.Tests;

/// <summary>Writing rows as the ingest inputs read them, reading query results back, and the model's view of regions.</summary>
public static class ModelTable
{
    public static RecordBatch Batch(TableSchema schema, IEnumerable<Row> rows)
    {
        var builder = new RecordBatchBuilder(schema);
        foreach (var row in rows)
        {
            builder.Append(row);
        }
        return builder.Build();
    }

    public static void WriteJsonLines(string path, TableSchema schema, IEnumerable<Row> rows, Random random)
    {
        using var stream = File.Create(path);
        foreach (var row in rows)
        {
            using (var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
            {
                writer.WriteStartObject();
                for (var i = 0; i < schema.AllFields.Count; i++)
                {
                    var value = row.Values[i];
                    if (value is null && random.Next(2) == 0)
                    {
                        continue; // a missing nullable field is null too
                    }
                    writer.WritePropertyName(schema.AllFields[i].Name);
                    WriteJson(writer, value);
                }
                writer.WriteEndObject();
            }
            stream.WriteByte((byte)'\n');
        }
    }

    public static void WriteCsv(string path, TableSchema schema, IEnumerable<Row> rows, Random random)
    {
        // Columns in a random order: the header decides which cell is which field.
        var order = Enumerable.Range(0, schema.AllFields.Count).OrderBy(_ => random.Next()).ToArray();
        var text = new StringBuilder();
        text.AppendLine(string.Join(",", order.Select(i => schema.AllFields[i].Name)));
        foreach (var row in rows)
        {
            text.Append(string.Join(",", order.Select(i => CsvCell(schema.AllFields[i], row.Values[i]))));
            text.Append(random.Next(2) == 0 ? "\n" : "\r\n");
        }
        File.WriteAllText(path, text.ToString(), new UTF8Encoding(false));
    }

    private static string CsvCell(Field field, object? value)
    {
        if (value is null)
        {
            return "";
        }
        var text = value switch
        {
            string s => s,
            byte[] b => Convert.ToBase64String(b),
            int or long => Convert.ToString(value, CultureInfo.InvariantCulture)!,
            _ => Json(value),
        };
        return "\"" + text.Replace("\"", "\"\"") + "\"";
    }

    private static string Json(object? value)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            WriteJson(writer, value);
        }
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    private static void WriteJson(Utf8JsonWriter writer, object? value)
    {
        switch (value)
        {
            case null:
                writer.WriteNullValue();
                break;
            case int i:
                writer.WriteNumberValue(i);
                break;
            case long l:
                writer.WriteNumberValue(l);
                break;
            case string s:
                writer.WriteStringValue(s);
                break;
            case byte[] b:
                writer.WriteStringValue(Convert.ToBase64String(b));
                break;
            case System.Collections.IDictionary d:
                writer.WriteStartObject();
                foreach (System.Collections.DictionaryEntry e in d)
                {
                    writer.WritePropertyName(KeyValues.Format(e.Key));
                    WriteJson(writer, e.Value);
                }
                writer.WriteEndObject();
                break;
            case System.Collections.IList list:
                writer.WriteStartArray();
                foreach (var e in list)
                {
                    WriteJson(writer, e);
                }
                writer.WriteEndArray();
                break;
            default:
                throw new ArgumentException($"No JSON form for {value.GetType().Name}.");
        }
    }

    public static async Task<(List<Row> Rows, List<string> Columns)> RunAsync(QueryExecutor query, IReadOnlyList<Region> regions, IReadOnlyList<string>? fields = null)
    {
        var rows = new List<Row>();
        List<string>? columns = null;
        await foreach (var batch in query.RunAsync(regions, fields))
        {
            using (batch)
            {
                columns ??= batch.Schema.FieldsList.Select(f => f.Name).ToList();
                for (var i = 0; i < batch.Length; i++)
                {
                    rows.Add(BatchRows.GetRow(batch, i));
                }
            }
        }
        return (rows, columns ?? []);
    }

    /// <summary>Row keys, then sort keys, by the model's ordering.</summary>
    public static int CompareKeys(TableSchema schema, Row a, Row b)
    {
        for (var i = 0; i < schema.KeyFieldCount; i++)
        {
            var c = ModelOrder.Compare(a.Values[i]!, b.Values[i]!);
            if (c != 0)
            {
                return c;
            }
        }
        return 0;
    }
}
