namespace Sleeper.Core.Schema;

/// <summary>
/// A table's schema: row key fields (which partition the table), sort key fields and value fields.
/// Immutable once the table exists.
/// </summary>
public sealed class TableSchema
{
    private readonly Dictionary<string, int> _indexByName;

    public TableSchema(IEnumerable<Field> rowKeyFields, IEnumerable<Field>? sortKeyFields = null, IEnumerable<Field>? valueFields = null)
    {
        RowKeyFields = rowKeyFields.ToArray();
        SortKeyFields = (sortKeyFields ?? []).ToArray();
        ValueFields = (valueFields ?? []).ToArray();
        AllFields = [.. RowKeyFields, .. SortKeyFields, .. ValueFields];
        if (RowKeyFields.Count == 0)
        {
            throw new SchemaException("A schema needs at least one row key field.");
        }
        foreach (var field in RowKeyFields.Concat(SortKeyFields))
        {
            if (field.Type is not PrimitiveType)
            {
                throw new SchemaException($"Key field '{field.Name}' has type {field.Type.Name}; key fields must be IntType, LongType, StringType or ByteArrayType.");
            }
            if (field.Nullable)
            {
                throw new SchemaException($"Key field '{field.Name}' is nullable; key fields can never be null.");
            }
        }
        _indexByName = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < AllFields.Count; i++)
        {
            var name = AllFields[i].Name;
            if (string.IsNullOrWhiteSpace(name))
            {
                throw new SchemaException("A field has an empty name.");
            }
            if (!_indexByName.TryAdd(name, i))
            {
                throw new SchemaException($"Field name '{name}' is used more than once.");
            }
        }
        RowKeyTypes = RowKeyFields.Select(f => f.PrimitiveType).ToArray();
        SortKeyTypes = SortKeyFields.Select(f => f.PrimitiveType).ToArray();
    }

    public IReadOnlyList<Field> RowKeyFields { get; }
    public IReadOnlyList<Field> SortKeyFields { get; }
    public IReadOnlyList<Field> ValueFields { get; }

    /// <summary>Row keys, then sort keys, then values: the column order of every file.</summary>
    public IReadOnlyList<Field> AllFields { get; }
    public IReadOnlyList<PrimitiveType> RowKeyTypes { get; }
    public IReadOnlyList<PrimitiveType> SortKeyTypes { get; }

    /// <summary>How many leading columns take part in the sort order (row keys then sort keys).</summary>
    public int KeyFieldCount => RowKeyFields.Count + SortKeyFields.Count;

    public int IndexOf(string fieldName) =>
        _indexByName.TryGetValue(fieldName, out var i) ? i : -1;

    public Field GetField(string fieldName) =>
        _indexByName.TryGetValue(fieldName, out var i)
            ? AllFields[i]
            : throw new SchemaException($"The schema has no field '{fieldName}'.");

    public override bool Equals(object? obj) => obj is TableSchema other
        && RowKeyFields.SequenceEqual(other.RowKeyFields)
        && SortKeyFields.SequenceEqual(other.SortKeyFields)
        && ValueFields.SequenceEqual(other.ValueFields);

    public override int GetHashCode() => HashCode.Combine(AllFields.Count, AllFields[0]);

    public override string ToString() => SchemaSerDe.ToJson(this);
}
