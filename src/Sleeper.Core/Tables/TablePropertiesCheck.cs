using Sleeper.Core.Iterators;
using Sleeper.Core.Properties;
using Sleeper.Core.Schema;
using Sleeper.Core.Security;

namespace Sleeper.Core.Tables;

/// <summary>
/// Checks a table's properties against each other and against its schema, when the table is created and
/// whenever its properties change. Each property alone is checked as it is set; these rules span several
/// (a codec and its level) or need the schema (filters and aggregations name fields). Without this check, such
/// a mistake is accepted and then fails every later query and compaction of the table.
/// </summary>
public static class TablePropertiesCheck
{
    /// <summary>The compression levels each codec accepts; the codecs not listed take no level and ignore it.</summary>
    public static readonly IReadOnlyDictionary<string, (int Min, int Max)> CompressionLevels = new Dictionary<string, (int, int)>(StringComparer.OrdinalIgnoreCase)
    {
        ["zstd"] = (1, 22),
        ["gzip"] = (1, 9),
        ["brotli"] = (0, 11),
    };

    /// <summary>Throws a <see cref="PropertyException"/> naming the property (and field) at the first rule broken.</summary>
    public static void Validate(TableSchema schema, SleeperProperties properties)
    {
        var codec = properties.Get(TableProperty.CompressionCodec)!;
        var level = properties.GetInt(TableProperty.CompressionLevel);
        if (CompressionLevels.TryGetValue(codec, out var range) && (level < range.Min || level > range.Max))
        {
            throw new PropertyException($"Property {TableProperty.CompressionLevel.Name}: {level} is not a level of {codec.ToLowerInvariant()} " +
                $"compression ({TableProperty.CompressionCodec.Name}); {codec.ToLowerInvariant()} takes {range.Min} to {range.Max}.");
        }
        // Building the iterators checks every field they name, its type and role, as a compaction would.
        VisibilityField.Validate(schema, properties);
        AgeOffFilter.Parse(properties.Get(TableProperty.Filters), schema);
        Aggregator.Parse(properties.Get(TableProperty.Aggregations), schema, VisibilityField.NameIn(properties));
    }
}
