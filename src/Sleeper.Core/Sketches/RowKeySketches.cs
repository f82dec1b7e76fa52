using Apache.Arrow;
using Sleeper.Core.Batches;
using Sleeper.Core.Schema;

namespace Sleeper.Core.Sketches;

/// <summary>
/// One quantiles sketch per row-key field of a table: what a file's <c>.sketches</c> companion holds, and
/// what partition splitting reads to find medians.
/// </summary>
public sealed class RowKeySketches
{
    private static ReadOnlySpan<byte> Magic => "SLKS"u8;
    private const byte FormatVersion = 1;

    private readonly KeyFieldSketch[] _sketches;

    public RowKeySketches(TableSchema schema, int k = KllSketch<int>.DefaultK, Random? random = null)
    {
        Schema = schema;
        random ??= Random.Shared;
        _sketches = schema.RowKeyFields.Select(f => KeyFieldSketch.Create(f, k, random)).ToArray();
    }

    private RowKeySketches(TableSchema schema, KeyFieldSketch[] sketches)
    {
        Schema = schema;
        _sketches = sketches;
    }

    public TableSchema Schema { get; }

    /// <summary>The sketches in row-key field order.</summary>
    public IReadOnlyList<KeyFieldSketch> Fields => _sketches;

    public KeyFieldSketch this[string fieldName] =>
        _sketches.FirstOrDefault(s => s.Field.Name == fieldName)
        ?? throw new SleeperException($"'{fieldName}' is not a row key field of the schema.");

    /// <summary>How many rows were sketched.</summary>
    public long RowCount => _sketches[0].N;

    /// <summary>Adds every row of a batch whose columns follow the table's schema (found by name).</summary>
    /// <param name="sortedByKey">The batch is sorted by key, so its first row key ascends and is sketched faster.</param>
    public void UpdateFromBatch(RecordBatch batch, bool sortedByKey = false)
    {
        var first = true;
        foreach (var sketch in _sketches)
        {
            var index = batch.Schema.GetFieldIndex(sketch.Field.Name, StringComparer.Ordinal);
            if (index < 0)
            {
                throw new SleeperException($"The batch has no column for row key field '{sketch.Field.Name}'.");
            }
            var arrowType = batch.Schema.GetFieldByIndex(index).DataType;
            if (!ArrowSchemas.Matches(sketch.Type, arrowType))
            {
                throw new SleeperException($"Row key field '{sketch.Field.Name}' has type {sketch.Type.Name} but the batch's column is {arrowType.Name}.");
            }
            sketch.UpdateFromColumn(batch.Column(index), ascending: sortedByKey && first);
            first = false;
        }
    }

    public void Merge(RowKeySketches other)
    {
        if (!other.Schema.RowKeyFields.SequenceEqual(Schema.RowKeyFields))
        {
            throw new SleeperException("Cannot merge sketches of tables whose row key fields differ.");
        }
        for (var i = 0; i < _sketches.Length; i++)
        {
            _sketches[i].Merge(other._sketches[i]);
        }
    }

    public byte[] Serialize()
    {
        using var stream = new MemoryStream();
        WriteTo(stream);
        return stream.ToArray();
    }

    public void WriteTo(Stream stream)
    {
        using var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true);
        writer.Write(Magic);
        writer.Write(FormatVersion);
        writer.Write(_sketches.Length);
        foreach (var sketch in _sketches)
        {
            writer.Write(sketch.Field.Name);
            writer.Write(sketch.Type.Name);
            var bytes = sketch.Serialize();
            writer.Write(bytes.Length);
            writer.Write(bytes);
        }
    }

    /// <summary>Reads sketches written by <see cref="Serialize"/>, checking they are of the schema's row keys.</summary>
    public static RowKeySketches Deserialize(TableSchema schema, byte[] bytes, Random? random = null)
    {
        using var stream = new MemoryStream(bytes, writable: false);
        return ReadFrom(schema, stream, random);
    }

    public static RowKeySketches ReadFrom(TableSchema schema, Stream stream, Random? random = null)
    {
        random ??= Random.Shared;
        using var reader = new BinaryReader(stream, System.Text.Encoding.UTF8, leaveOpen: true);
        try
        {
            Span<byte> magic = stackalloc byte[4];
            reader.BaseStream.ReadExactly(magic);
            if (!magic.SequenceEqual(Magic))
            {
                throw new SleeperException("The data is not a row key sketches file.");
            }
            var version = reader.ReadByte();
            if (version != FormatVersion)
            {
                throw new SleeperException($"The sketches have format version {version}; this build reads version {FormatVersion}.");
            }
            var count = reader.ReadInt32();
            if (count != schema.RowKeyFields.Count)
            {
                throw new SleeperException($"The sketches are of {count} row key fields but the schema has {schema.RowKeyFields.Count}.");
            }
            var sketches = new KeyFieldSketch[count];
            for (var i = 0; i < count; i++)
            {
                var field = schema.RowKeyFields[i];
                var name = reader.ReadString();
                var typeName = reader.ReadString();
                if (name != field.Name || typeName != field.Type.Name)
                {
                    throw new SleeperException($"Sketch {i} is of field '{name}' ({typeName}) but the schema's row key field {i} is '{field.Name}' ({field.Type.Name}).");
                }
                var length = reader.ReadInt32();
                if (length < 0)
                {
                    throw new SleeperException($"The sketch of field '{name}' has a negative length.");
                }
                var bytes = reader.ReadBytes(length);
                if (bytes.Length != length)
                {
                    throw new EndOfStreamException();
                }
                try
                {
                    sketches[i] = KeyFieldSketch.Deserialize(field, bytes, random);
                }
                catch (SleeperException e)
                {
                    throw new SleeperException($"The sketch of field '{name}' is invalid: {e.Message}", e);
                }
            }
            return new RowKeySketches(schema, sketches);
        }
        catch (EndOfStreamException e)
        {
            throw new SleeperException("The sketches end too early.", e);
        }
    }
}
