using System.Buffers.Binary;

namespace Sleeper.Parquet.Tests;

/// <summary>
/// Decodes a Parquet footer (Thrift compact protocol) into nested dictionaries keyed by field id, to check
/// what the library's metadata API does not expose, such as the page index offsets.
/// </summary>
internal sealed class ThriftFooter
{
    private readonly byte[] _bytes;
    private int _at;

    private ThriftFooter(byte[] bytes)
    {
        _bytes = bytes;
    }

    public static Dictionary<short, object> Read(string parquetPath)
    {
        var file = File.ReadAllBytes(parquetPath);
        var length = BinaryPrimitives.ReadInt32LittleEndian(file.AsSpan(file.Length - 8));
        return new ThriftFooter(file[(file.Length - 8 - length)..^8]).ReadStruct();
    }

    private Dictionary<short, object> ReadStruct()
    {
        var fields = new Dictionary<short, object>();
        short id = 0;
        while (true)
        {
            var header = _bytes[_at++];
            if (header == 0)
            {
                return fields;
            }
            var delta = header >> 4;
            id = delta == 0 ? (short)ZigZag(ReadVarint()) : (short)(id + delta);
            var type = header & 0x0F;
            fields[id] = type switch
            {
                1 => true,
                2 => false,
                _ => ReadValue(type),
            };
        }
    }

    private object ReadValue(int type)
    {
        switch (type)
        {
            case 1:
            case 2:
                return _bytes[_at++] == 1;
            case 3:
                return (long)(sbyte)_bytes[_at++];
            case 4:
            case 5:
            case 6:
                return ZigZag(ReadVarint());
            case 7:
                _at += 8;
                return 0.0;
            case 8:
                var length = (int)ReadVarint();
                var bytes = _bytes[_at..(_at + length)];
                _at += length;
                return bytes;
            case 9:
            case 10:
                var header = _bytes[_at++];
                var size = header >> 4 == 15 ? (int)ReadVarint() : header >> 4;
                var list = new List<object>(size);
                for (var i = 0; i < size; i++)
                {
                    list.Add(ReadValue(header & 0x0F));
                }
                return list;
            case 11:
                var entries = (int)ReadVarint();
                var map = new List<object>();
                if (entries > 0)
                {
                    var types = _bytes[_at++];
                    for (var i = 0; i < entries; i++)
                    {
                        map.Add((ReadValue(types >> 4), ReadValue(types & 0x0F)));
                    }
                }
                return map;
            case 12:
                return ReadStruct();
            default:
                throw new InvalidDataException($"Unknown Thrift compact type {type}.");
        }
    }

    private ulong ReadVarint()
    {
        ulong result = 0;
        var shift = 0;
        while (true)
        {
            var b = _bytes[_at++];
            result |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                return result;
            }
            shift += 7;
        }
    }

    private static long ZigZag(ulong n) => (long)(n >> 1) ^ -(long)(n & 1);
}
