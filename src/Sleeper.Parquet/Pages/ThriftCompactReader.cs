using System.Buffers.Binary;

namespace Sleeper.Parquet.Pages;

/// <summary>
/// Just enough of Thrift's compact protocol to read the Parquet structures ParquetSharp does not expose: the
/// footer's column chunk locations, the page (offset and column) indexes and page headers. Unknown fields are skipped.
/// </summary>
internal ref struct ThriftCompactReader(ReadOnlySpan<byte> data)
{
    public const byte Stop = 0, True = 1, False = 2, Byte = 3, I16 = 4, I32 = 5, I64 = 6, Double = 7, Binary = 8, List = 9, Set = 10, Map = 11, Struct = 12;

    private readonly ReadOnlySpan<byte> _data = data;
    private int _position;
    private short _lastField;
    private bool _pendingBool;

    public readonly int Position => _position;

    /// <summary>The next field of the current struct: its id and type; type <see cref="Stop"/> at the struct's end.</summary>
    public (short Id, byte Type) ReadFieldHeader()
    {
        var header = _data[_position++];
        var type = (byte)(header & 0x0F);
        if (type == Stop)
        {
            return (0, Stop);
        }
        var delta = header >> 4;
        _lastField = delta != 0 ? (short)(_lastField + delta) : (short)ZigZag(ReadVarint());
        if (type is True or False)
        {
            _pendingBool = type == True;
        }
        return (_lastField, type);
    }

    /// <summary>Runs a nested struct: the caller reads its fields, then calls <see cref="EndStruct"/> with what this returned.</summary>
    public short BeginStruct()
    {
        var saved = _lastField;
        _lastField = 0;
        return saved;
    }

    public void EndStruct(short saved) => _lastField = saved;

    public bool ReadBoolField() => _pendingBool;

    public bool ReadBoolElement() => _data[_position++] == 1;

    public int ReadI32() => (int)ZigZag(ReadVarint());

    public long ReadI64() => ZigZag(ReadVarint());

    public ReadOnlySpan<byte> ReadBinary()
    {
        var length = (int)ReadVarint();
        var value = _data.Slice(_position, length);
        _position += length;
        return value;
    }

    public (byte ElementType, int Count) ReadListHeader()
    {
        var header = _data[_position++];
        var count = header >> 4;
        if (count == 15)
        {
            count = (int)ReadVarint();
        }
        return ((byte)(header & 0x0F), count);
    }

    /// <summary>Skips a value of the given type (a field's or a list element's).</summary>
    public void Skip(byte type)
    {
        switch (type)
        {
            case True or False:
                return; // A field's boolean is in its header.
            case Byte:
                _position++;
                return;
            case I16 or I32 or I64:
                ReadVarint();
                return;
            case Double:
                _position += 8;
                return;
            case Binary:
                ReadBinary();
                return;
            case List or Set:
                var (elementType, count) = ReadListHeader();
                for (var i = 0; i < count; i++)
                {
                    SkipElement(elementType);
                }
                return;
            case Map:
                var size = (int)ReadVarint();
                if (size == 0)
                {
                    return;
                }
                var types = _data[_position++];
                for (var i = 0; i < size; i++)
                {
                    SkipElement((byte)(types >> 4));
                    SkipElement((byte)(types & 0x0F));
                }
                return;
            case Struct:
                var saved = BeginStruct();
                while (true)
                {
                    var (_, fieldType) = ReadFieldHeader();
                    if (fieldType == Stop)
                    {
                        break;
                    }
                    Skip(fieldType);
                }
                EndStruct(saved);
                return;
            default:
                throw new InvalidDataException($"Unknown Thrift compact type {type}.");
        }
    }

    private void SkipElement(byte type)
    {
        if (type is True or False)
        {
            _position++; // A list's booleans take a byte each.
            return;
        }
        Skip(type);
    }

    private ulong ReadVarint()
    {
        ulong result = 0;
        for (var shift = 0; ; shift += 7)
        {
            var b = _data[_position++];
            result |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                return result;
            }
        }
    }

    private static long ZigZag(ulong n) => (long)(n >> 1) ^ -(long)(n & 1);

    public static int ReadInt32LittleEndian(ReadOnlySpan<byte> span) => BinaryPrimitives.ReadInt32LittleEndian(span);
}
