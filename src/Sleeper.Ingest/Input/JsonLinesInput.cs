using System.Text.Json;
using Apache.Arrow;
using Sleeper.Core;
using Sleeper.Core.Batches;
using Sleeper.Core.Schema;

namespace Sleeper.Ingest.Input;

/// <summary>Rows as JSON lines: one object per line, keyed by field name. Unknown fields are an error.</summary>
public sealed class JsonLinesInput(string name, Func<TextReader> open) : IIngestInput
{
    public string Name { get; } = name;

    public static JsonLinesInput FromFile(string path) => new(path, () => Utf8CheckingStream.OpenFile(path));

    public IEnumerable<RecordBatch> ReadBatches(TableSchema schema, int maxRows)
    {
        using var reader = open();
        var builder = new RecordBatchBuilder(schema);
        long lineNumber = 0;
        while (reader.ReadLine() is { } line)
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }
            var where = $"{Name} line {lineNumber}";
            builder.Append(ParseLine(schema, line, where));
            if (builder.Count >= maxRows)
            {
                yield return builder.Build();
            }
        }
        if (builder.Count > 0)
        {
            yield return builder.Build();
        }
    }

    public static Row ParseLine(TableSchema schema, string line, string where)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(line);
        }
        catch (JsonException e)
        {
            throw new RowValidationException($"{where}: not valid JSON ({e.Message}).");
        }
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new RowValidationException($"{where}: each line must be a JSON object keyed by field name.");
            }
            return ParseObject(schema, doc.RootElement, where);
        }
    }

    /// <summary>One row from a JSON object keyed by field name, checked against the schema; the server's rows are read by this too.</summary>
    public static Row ParseObject(TableSchema schema, JsonElement obj, string where)
    {
        if (obj.ValueKind != JsonValueKind.Object)
        {
            throw new RowValidationException($"{where}: a row must be a JSON object keyed by field name.");
        }
        var values = new object?[schema.AllFields.Count];
        // JSON parsers disagree on which of two equal names wins; storing either would be a guess.
        Span<bool> seen = stackalloc bool[schema.AllFields.Count];
        foreach (var property in obj.EnumerateObject())
        {
            var index = schema.IndexOf(property.Name);
            if (index < 0)
            {
                throw new RowValidationException($"{where}: field '{property.Name}' is not in the table's schema.");
            }
            if (seen[index])
            {
                throw new RowValidationException($"{where}: field '{property.Name}' is given twice; each field may appear once in a line.");
            }
            seen[index] = true;
            values[index] = JsonValueConverter.Convert(schema.AllFields[index], property.Value, where);
        }
        RowValidator.Validate(schema, values, where);
        return new Row(values);
    }
}
