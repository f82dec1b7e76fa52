using System.Text.Json;
using Apache.Arrow;
using Sleeper.Core;
using Sleeper.Core.Batches;
using Sleeper.Core.Keys;
using Sleeper.Core.Schema;
using Field = Sleeper.Core.Schema.Field;

namespace Sleeper.Ingest.Input;

/// <summary>
/// Rows as CSV whose header row names the fields (in any order; every field of the schema must appear, and no
/// other). Cells are parsed by the field's type; byte arrays in base64; lists and maps as JSON; an empty cell is
/// null in a nullable field and the empty string in a string field.
/// </summary>
public sealed class CsvInput(string name, Func<TextReader> open) : IIngestInput
{
    public string Name { get; } = name;

    public static CsvInput FromFile(string path) => new(path, () => Utf8CheckingStream.OpenFile(path));

    public IEnumerable<RecordBatch> ReadBatches(TableSchema schema, int maxRows)
    {
        using var reader = open();
        var parser = new CsvParser(reader);
        var header = Read(parser) ?? throw new RowValidationException($"{Name}: the file is empty; a CSV file needs a header row naming the fields.");
        var columnToField = new int[header.Count];
        for (var c = 0; c < header.Count; c++)
        {
            var index = schema.IndexOf(header[c].Trim());
            if (index < 0)
            {
                throw new RowValidationException($"{Name}: column '{header[c]}' is not a field of the table's schema (fields: {string.Join(", ", schema.AllFields.Select(f => f.Name))}).");
            }
            if (columnToField.Take(c).Contains(index))
            {
                throw new RowValidationException($"{Name}: column '{header[c]}' appears twice in the header.");
            }
            columnToField[c] = index;
        }
        var missing = schema.AllFields.Where((_, i) => !columnToField.Contains(i)).Select(f => f.Name).ToList();
        if (missing.Count > 0)
        {
            throw new RowValidationException($"{Name}: the header has no column for field(s) {string.Join(", ", missing)}.");
        }
        var builder = new RecordBatchBuilder(schema);
        while (Read(parser) is { } record)
        {
            var where = $"{Name} line {parser.LineNumber}";
            if (record.Count != header.Count)
            {
                throw new RowValidationException($"{where}: {record.Count} cells, but the header has {header.Count} columns.");
            }
            var values = new object?[schema.AllFields.Count];
            for (var c = 0; c < record.Count; c++)
            {
                var field = schema.AllFields[columnToField[c]];
                values[columnToField[c]] = Parse(field, record[c], where);
            }
            RowValidator.Validate(schema, values, where);
            builder.Append(new Row(values));
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

    private List<string>? Read(CsvParser parser)
    {
        try
        {
            return parser.ReadRecord();
        }
        catch (FormatException e)
        {
            throw new RowValidationException($"{Name} {e.Message}");
        }
    }

    private static object? Parse(Field field, string cell, string where)
    {
        if (cell.Length == 0)
        {
            return field.Nullable ? null : field.Type is StringType ? "" : field.Type is ByteArrayType ? System.Array.Empty<byte>() : null;
        }
        switch (field.Type)
        {
            case PrimitiveType p:
                try
                {
                    return KeyValues.Parse(p, cell, $"{where}: field '{field.Name}'");
                }
                catch (SleeperException e)
                {
                    throw new RowValidationException(e.Message);
                }
            default:
                try
                {
                    using var doc = JsonDocument.Parse(cell);
                    return JsonValueConverter.Convert(field, doc.RootElement, where);
                }
                catch (JsonException)
                {
                    throw new RowValidationException($"{where}: field '{field.Name}' is a {field.Type.Name}; write it as JSON in the cell.");
                }
        }
    }
}
