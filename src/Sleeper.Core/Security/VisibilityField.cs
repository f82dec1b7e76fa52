using Sleeper.Core.Properties;
using Sleeper.Core.Schema;

namespace Sleeper.Core.Security;

/// <summary>
/// The value field a table names in <c>sleeper.table.visibility.field</c>, whose values are access expressions
/// that decide who may see each row. It must be a string value field: a key field would let the label change a
/// row's place and identity, and only strings hold expressions. It may be nullable; a null value is the empty
/// expression, visible to all, as a row without a label is in Accumulo.
/// </summary>
public static class VisibilityField
{
    /// <summary>The field's name, or null when the table has none.</summary>
    public static string? NameIn(SleeperProperties tableProperties) =>
        tableProperties.Get(TableProperty.VisibilityField) is { } name && !string.IsNullOrWhiteSpace(name) ? name.Trim() : null;

    /// <summary>The field's index in the schema, or null when the table has none; throws as <see cref="Validate"/> does.</summary>
    public static int? IndexIn(TableSchema schema, SleeperProperties tableProperties)
    {
        var name = NameIn(tableProperties);
        if (name is null)
        {
            return null;
        }
        var property = TableProperty.VisibilityField.Name;
        var index = schema.IndexOf(name);
        if (index < 0)
        {
            throw new PropertyException($"Property {property}: field '{name}' is not in the table's schema (fields: {string.Join(", ", schema.AllFields.Select(f => f.Name))}).");
        }
        if (index < schema.KeyFieldCount)
        {
            throw new PropertyException($"Property {property}: field '{name}' is a {(index < schema.RowKeyFields.Count ? "row key" : "sort key")} field; the visibility field must be a value field.");
        }
        var type = schema.AllFields[index].Type;
        if (type is not StringType)
        {
            throw new PropertyException($"Property {property}: field '{name}' is {type.Name}; the visibility field must be StringType, holding access expressions.");
        }
        return index;
    }

    /// <summary>Throws <see cref="PropertyException"/> naming the property and field unless it names a string value field (or nothing).</summary>
    public static void Validate(TableSchema schema, SleeperProperties tableProperties) => _ = IndexIn(schema, tableProperties);
}
