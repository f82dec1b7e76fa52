using ParquetSharp;
using ParquetSharp.Arrow;
using Sleeper.Core;
using Sleeper.Core.Properties;
using Sleeper.Core.Schema;

namespace Sleeper.Parquet;

/// <summary>How a table's Parquet files are written, taken from its properties and schema.</summary>
public sealed record ParquetWriteSettings(
    TableSchema Schema,
    int RowGroupRowsMax,
    int PageSize,
    string CompressionCodec,
    int CompressionLevel,
    bool DictionaryEncodingRowKeys,
    bool DictionaryEncodingSortKeys,
    bool DictionaryEncodingValues)
{
    public const string CreatedBy = "sleeper-dotnet";

    /// <summary>
    /// Encode and compress the columns of each row group on several threads at once. Worth it when one
    /// writer is the bottleneck of a pipeline (compaction, ingest); key sketches are then updated alongside the
    /// encoding too. Off by default so many writers at once
    /// (ingest to many partitions) do not oversubscribe the cores.
    /// </summary>
    public bool EncodeColumnsInParallel { get; init; }

    public static ParquetWriteSettings From(TableSchema schema, SleeperProperties tableProperties) => new(
        schema,
        tableProperties.GetInt(TableProperty.RowGroupRowsMax),
        tableProperties.GetInt(TableProperty.PageSize),
        tableProperties.Get(TableProperty.CompressionCodec)!.ToLowerInvariant(),
        tableProperties.GetInt(TableProperty.CompressionLevel),
        tableProperties.GetBool(TableProperty.DictionaryEncodingRowKeys),
        tableProperties.GetBool(TableProperty.DictionaryEncodingSortKeys),
        tableProperties.GetBool(TableProperty.DictionaryEncodingValues));

    /// <summary>The settings for a table whose properties are all defaults.</summary>
    public static ParquetWriteSettings Defaults(TableSchema schema) => From(schema, SleeperProperties.ForTable());

    internal Compression Compression => CompressionCodec switch
    {
        "uncompressed" => Compression.Uncompressed,
        "snappy" => Compression.Snappy,
        "gzip" => Compression.Gzip,
        "lz4" => Compression.Lz4,
        "zstd" => Compression.Zstd,
        "brotli" => Compression.Brotli,
        _ => throw new PropertyException($"Property {TableProperty.CompressionCodec.Name}: '{CompressionCodec}' is not a known codec."),
    };

    internal WriterProperties BuildWriterProperties()
    {
        using var builder = new WriterPropertiesBuilder();
        builder
            .CreatedBy(CreatedBy)
            .Compression(Compression)
            .MaxRowGroupLength(RowGroupRowsMax)
            .DataPagesize(PageSize)
            .EnableStatistics()
            .EnableWritePageIndex()
            .DisableDictionary();
        // Only these codecs take a level; the others reject one.
        if (Compression is Compression.Zstd or Compression.Gzip or Compression.Brotli)
        {
            builder.CompressionLevel(CompressionLevel);
        }
        var keyCount = Schema.KeyFieldCount;
        var sorting = new WriterProperties.SortingColumn[keyCount];
        for (var i = 0; i < keyCount; i++)
        {
            // Key fields are primitive and come first, so field i is leaf column i.
            sorting[i] = new WriterProperties.SortingColumn(i, isDescending: false, nullsFirst: false);
        }
        builder.SortingColumns(sorting);
        EnableDictionary(builder, Schema.RowKeyFields, DictionaryEncodingRowKeys);
        EnableDictionary(builder, Schema.SortKeyFields, DictionaryEncodingSortKeys);
        EnableDictionary(builder, Schema.ValueFields, DictionaryEncodingValues);
        return builder.Build();
    }

    internal ArrowWriterProperties BuildArrowWriterProperties()
    {
        using var builder = new ArrowWriterPropertiesBuilder();
        // The stored Arrow schema lets readers get back exactly the types written (e.g. maps' field names).
        return builder.StoreSchema().UseThreads(EncodeColumnsInParallel).Build();
    }

    private static void EnableDictionary(WriterPropertiesBuilder builder, IEnumerable<Field> fields, bool enabled)
    {
        if (!enabled)
        {
            return;
        }
        foreach (var field in fields)
        {
            foreach (var path in LeafPaths(field))
            {
                builder.EnableDictionary(path);
            }
        }
    }

    // Leaf column paths as the Arrow writer names them with compliant nested types.
    private static IEnumerable<string> LeafPaths(Field field) => field.Type switch
    {
        ListType => [$"{field.Name}.list.element"],
        MapType => [$"{field.Name}.key_value.key", $"{field.Name}.key_value.value"],
        _ => [field.Name],
    };
}
