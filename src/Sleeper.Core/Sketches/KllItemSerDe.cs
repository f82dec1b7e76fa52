using System.Text;

namespace Sleeper.Core.Sketches;

/// <summary>Item writers and readers for sketches of the key types: int, long, string (as UTF-8) and byte[].</summary>
public static class KllItemSerDe
{
    public static readonly Action<BinaryWriter, int> WriteInt = (w, v) => w.Write(v);
    public static readonly Func<BinaryReader, int> ReadInt = r => r.ReadInt32();
    public static readonly Action<BinaryWriter, long> WriteLong = (w, v) => w.Write(v);
    public static readonly Func<BinaryReader, long> ReadLong = r => r.ReadInt64();

    public static readonly Action<BinaryWriter, byte[]> WriteBytes = (w, v) =>
    {
        w.Write7BitEncodedInt(v.Length);
        w.Write(v);
    };

    public static readonly Func<BinaryReader, byte[]> ReadBytes = r =>
    {
        var length = r.Read7BitEncodedInt();
        var bytes = r.ReadBytes(length);
        return bytes.Length == length ? bytes : throw new EndOfStreamException();
    };

    public static readonly Action<BinaryWriter, string> WriteString = (w, v) => WriteBytes(w, Encoding.UTF8.GetBytes(v));

    public static readonly Func<BinaryReader, string> ReadString = r => Encoding.UTF8.GetString(ReadBytes(r));
}
