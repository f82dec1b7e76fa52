using Apache.Arrow;
using Sleeper.Core.Schema;

namespace Sleeper.Core.Batches;

/// <summary>
/// Builds Arrow record batches of a table's schema: row by row from <see cref="Row"/>s, value by value
/// (typed appends, then <see cref="EndRow"/>) for readers that parse text, or by copying rows of other batches.
/// Checks .NET types only; the caller validates meaning (key ranges, field rules).
/// </summary>
public sealed class RecordBatchBuilder
{
    private readonly Apache.Arrow.Schema _arrowSchema;
    private readonly ColumnBuilder[] _columns;
    private readonly bool[] _nullable;

    public RecordBatchBuilder(TableSchema schema, int capacity = 1024)
        : this(ArrowSchemas.ToArrow(schema), capacity)
    {
    }

    /// <summary>A builder for batches of an Arrow schema whose columns have Sleeper types.</summary>
    public RecordBatchBuilder(Apache.Arrow.Schema arrowSchema, int capacity = 1024)
    {
        _arrowSchema = arrowSchema;
        _columns = arrowSchema.FieldsList.Select(f => ColumnBuilder.Create(f.DataType, capacity)).ToArray();
        _nullable = arrowSchema.FieldsList.Select(f => f.IsNullable).ToArray();
    }

    public Apache.Arrow.Schema ArrowSchema => _arrowSchema;

    /// <summary>Complete rows appended since the last <see cref="Build"/>.</summary>
    public int Count { get; private set; }

    /// <summary>Bytes held by the buffers built so far: what the batch will take in memory.</summary>
    public long EstimatedBytes
    {
        get
        {
            long total = 0;
            foreach (var column in _columns)
            {
                total += column.EstimatedBytes;
            }
            return total;
        }
    }

    /// <summary>Appends a whole row; nothing is appended if any value has the wrong type.</summary>
    public void Append(Row row)
    {
        var values = row.Values;
        if (values.Length != _columns.Length)
        {
            throw new ArgumentException($"A row has {values.Length} values but the schema has {_columns.Length} fields ({string.Join(", ", _arrowSchema.FieldsList.Select(f => f.Name))}).", nameof(row));
        }
        for (var c = 0; c < values.Length; c++)
        {
            Check(c, values[c]);
        }
        for (var c = 0; c < values.Length; c++)
        {
            AppendChecked(c, values[c]);
        }
        EndRow();
    }

    /// <summary>Appends a boxed edge value (int, long, string, byte[], list, dictionary or null) to one column of the current row.</summary>
    public void AppendValue(int column, object? value)
    {
        Check(column, value);
        AppendChecked(column, value);
    }

    public void AppendInt32(int column, int value) => Typed<PrimitiveColumnBuilder<int>>(column, "an int").Append(value);

    public void AppendInt64(int column, long value) => Typed<PrimitiveColumnBuilder<long>>(column, "a long").Append(value);

    /// <summary>Appends a string already encoded as UTF-8, so a parser never needs a .NET string.</summary>
    public void AppendUtf8(int column, ReadOnlySpan<byte> utf8) => StringColumn(column).Append(utf8);

    public void AppendString(int column, string value) => StringColumn(column).AppendString(value);

    public void AppendBinary(int column, ReadOnlySpan<byte> bytes)
    {
        var builder = Typed<VarBinaryColumnBuilder>(column, "a byte array");
        if (!builder.Accepts(System.Array.Empty<byte>()))
        {
            throw WrongType(column, "a byte array");
        }
        builder.Append(bytes);
    }

    public void AppendNull(int column)
    {
        if (!_nullable[column])
        {
            throw new ArgumentException($"Field '{FieldName(column)}' is not nullable, so it cannot hold null.");
        }
        _columns[column].AppendNull();
    }

    /// <summary>Completes the current row; every column must have had exactly one value appended.</summary>
    public void EndRow()
    {
        for (var c = 0; c < _columns.Length; c++)
        {
            if (_columns[c].Length != Count + 1)
            {
                throw new InvalidOperationException(
                    $"Row {Count} is not complete: field '{FieldName(c)}' has {_columns[c].Length - Count} value(s) for it; every field needs exactly one.");
            }
        }
        Count++;
    }

    /// <summary>Appends <paramref name="count"/> consecutive rows of a batch with the same column types, copying buffers.</summary>
    public void AppendRows(RecordBatch batch, int start, int count)
    {
        if (count == 0)
        {
            return;
        }
        ArgumentOutOfRangeException.ThrowIfNegative(start);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(start + count, batch.Length);
        CheckCompleteRows();
        for (var c = 0; c < _columns.Length; c++)
        {
            _columns[c].AppendRange(batch.Column(c), start, count);
        }
        Count += count;
    }

    /// <summary>Returns the batch of the rows appended so far and starts an empty one.</summary>
    public RecordBatch Build()
    {
        CheckCompleteRows();
        var arrays = new IArrowArray[_columns.Length];
        for (var c = 0; c < _columns.Length; c++)
        {
            arrays[c] = _columns[c].Build();
        }
        var batch = new RecordBatch(_arrowSchema, arrays, Count);
        Count = 0;
        return batch;
    }

    private void CheckCompleteRows()
    {
        for (var c = 0; c < _columns.Length; c++)
        {
            if (_columns[c].Length != Count)
            {
                throw new InvalidOperationException($"Row {Count} was started but not ended: field '{FieldName(c)}' has a value for it. Call EndRow first.");
            }
        }
    }

    private void Check(int column, object? value)
    {
        if (value is null)
        {
            if (!_nullable[column])
            {
                throw new ArgumentException($"Field '{FieldName(column)}' is not nullable, so it cannot hold null.");
            }
        }
        else if (!_columns[column].Accepts(value))
        {
            throw new ArgumentException(
                $"Field '{FieldName(column)}' of Arrow type {_columns[column].Type.Name} cannot hold a value of .NET type {value.GetType().Name} ({value}).");
        }
    }

    private void AppendChecked(int column, object? value)
    {
        if (value is null)
        {
            _columns[column].AppendNull();
        }
        else
        {
            _columns[column].AppendObject(value);
        }
    }

    private VarBinaryColumnBuilder StringColumn(int column)
    {
        var builder = Typed<VarBinaryColumnBuilder>(column, "a string");
        return builder.Accepts("") ? builder : throw WrongType(column, "a string");
    }

    private T Typed<T>(int column, string what) where T : ColumnBuilder =>
        _columns[column] as T ?? throw WrongType(column, what);

    private ArgumentException WrongType(int column, string what) =>
        new($"Field '{FieldName(column)}' of Arrow type {_columns[column].Type.Name} cannot hold {what}.");

    private string FieldName(int column) => _arrowSchema.FieldsList[column].Name;
}
