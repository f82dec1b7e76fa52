using System.Text;
using Apache.Arrow;
using Sleeper.Core.Keys;
using Sleeper.Core.Properties;
using Sleeper.Core.Schema;

namespace Sleeper.Core.Security;

/// <summary>
/// The check ingest makes of a table's visibility field before anything is written: every value must be a
/// well-formed access expression (or null). A malformed label would otherwise be stored and then hide its row
/// from everyone, or, worse, be read by some other tool in a way its writer did not mean. Each distinct
/// expression is parsed once. Safe to use from several threads.
/// </summary>
public sealed class VisibilityCheck
{
    private static readonly UTF8Encoding StrictUtf8 = new(false, throwOnInvalidBytes: true);

    private readonly TableSchema _schema;
    private readonly int _column;
    private readonly string _fieldName;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<byte[], bool> _valid = new(VisibilityEvaluator.ByteArrayComparer.Instance);

    private VisibilityCheck(TableSchema schema, int column)
    {
        _schema = schema;
        _column = column;
        _fieldName = schema.AllFields[column].Name;
    }

    /// <summary>The check for a table, or null when it has no visibility field.</summary>
    public static VisibilityCheck? For(TableSchema schema, SleeperProperties tableProperties) =>
        VisibilityField.IndexIn(schema, tableProperties) is { } column ? new VisibilityCheck(schema, column) : null;

    /// <summary>
    /// Throws <see cref="RowValidationException"/> at the first row whose expression is malformed, naming the
    /// source, the row (its number in the source when known, and its row key) and the field.
    /// </summary>
    /// <param name="batch">Rows in the table's column order.</param>
    /// <param name="source">Where the rows came from (a file name), for the error.</param>
    /// <param name="firstRowNumber">The number (from 1) of the batch's first row in its source, when known.</param>
    public void Check(RecordBatch batch, string source, long? firstRowNumber = null)
    {
        if (batch.Column(_column) is not StringArray column)
        {
            throw new RowValidationException($"{source}: visibility field '{_fieldName}' is not a string column.");
        }
        var lookup = _valid.GetAlternateLookup<ReadOnlySpan<byte>>();
        for (var row = 0; row < batch.Length; row++)
        {
            if (column.IsNull(row))
            {
                continue;
            }
            var bytes = column.GetBytes(row);
            if (bytes.IsEmpty || lookup.TryGetValue(bytes, out _))
            {
                continue;
            }
            if (Problem(bytes) is { } problem)
            {
                var number = firstRowNumber is { } first ? $"row {first + row} " : "the row ";
                throw new RowValidationException($"{source}: {number}{KeyOf(batch, row)}: field '{_fieldName}' is not a valid access expression: {problem} Nothing of this input was stored.");
            }
            if (_valid.Count >= VisibilityEvaluator.MaxCachedExpressions)
            {
                _valid.Clear();
            }
            lookup.TryAdd(bytes, true);
        }
    }

    /// <summary>Wraps batches so each is checked as it passes; rows are counted from 1 across them.</summary>
    public IEnumerable<RecordBatch> Checked(IEnumerable<RecordBatch> batches, string source)
    {
        long rows = 0;
        foreach (var batch in batches)
        {
            try
            {
                Check(batch, source, rows + 1);
            }
            catch
            {
                batch.Dispose();
                throw;
            }
            rows += batch.Length;
            yield return batch;
        }
    }

    private static string? Problem(ReadOnlySpan<byte> bytes)
    {
        string text;
        try
        {
            text = StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            return "it is not valid UTF-8.";
        }
        return AccessExpression.TryParse(text, out _, out var error) ? null : error!.Message;
    }

    private string KeyOf(RecordBatch batch, int row)
    {
        var parts = new List<string>();
        for (var k = 0; k < _schema.RowKeyFields.Count; k++)
        {
            var value = Batches.BatchRows.GetValue(batch.Column(k), row);
            var text = KeyValues.Format(value);
            parts.Add($"{_schema.RowKeyFields[k].Name}={(text.Length > 60 ? text[..60] + "…" : text)}");
        }
        return $"(row key {string.Join(", ", parts)})";
    }
}
