using System.Text;

namespace Sleeper.TestSupport;

/// <summary>
/// Seeded mutations of valid inputs for the fuzz tests: bytes flipped, spans cut, repeated or moved, tokens that
/// parsers trip on spliced in, invalid UTF-8, huge numbers and long runs. One seed always gives the same inputs,
/// so a failure names its seed and can be run again alone.
/// </summary>
public sealed class Mutator(int seed)
{
    private static readonly string[] s_tokens =
    [
        "{", "}", "[", "]", "\"", ",", ":", "\\", "\\u", "\\ud800", "\n", "\r\n", "\0", "null", "true", "-", "0", "-0", "1e309",
        "99999999999999999999999", "-9223372036854775809", "2147483648", "NaN", "\t", " ", "=", "#", "é", "😀", "\uFFFD", "\"\"", ",,",
    ];

    private static readonly byte[][] s_badUtf8 = [[0x80], [0xFF], [0xC3], [0xC0, 0xAF], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xE2, 0x82]];

    public Random Random { get; } = new(seed);

    /// <summary>One to four mutations of <paramref name="input"/>.</summary>
    public byte[] Mutate(byte[] input)
    {
        var bytes = new List<byte>(input);
        var count = Random.Next(1, 5);
        for (var i = 0; i < count; i++)
        {
            MutateOnce(bytes);
        }
        return [.. bytes];
    }

    /// <summary>Mutated text, which may no longer be UTF-8.</summary>
    public byte[] Mutate(string input) => Mutate(Encoding.UTF8.GetBytes(input));

    /// <summary>Mutated text decoded back to a string (with replacement characters where the bytes stopped being UTF-8).</summary>
    public string MutateText(string input) => Encoding.UTF8.GetString(Mutate(input));

    /// <summary>Random bytes, mostly printable.</summary>
    public byte[] RandomBytes(int maxLength)
    {
        var bytes = new byte[Random.Next(maxLength + 1)];
        for (var i = 0; i < bytes.Length; i++)
        {
            bytes[i] = Random.Next(8) == 0 ? (byte)Random.Next(256) : (byte)Random.Next(32, 127);
        }
        return bytes;
    }

    private void MutateOnce(List<byte> bytes)
    {
        var at = Random.Next(bytes.Count + 1);
        switch (Random.Next(9))
        {
            case 0 when bytes.Count > 0:
                bytes[Math.Min(at, bytes.Count - 1)] ^= (byte)(1 << Random.Next(8));
                break;
            case 1 when bytes.Count > 0:
                var length = Random.Next(1, Math.Max(2, bytes.Count - at));
                bytes.RemoveRange(Math.Min(at, bytes.Count - 1), Math.Min(length, bytes.Count - Math.Min(at, bytes.Count - 1)));
                break;
            case 2:
                bytes.InsertRange(at, Encoding.UTF8.GetBytes(s_tokens[Random.Next(s_tokens.Length)]));
                break;
            case 3:
                bytes.InsertRange(at, s_badUtf8[Random.Next(s_badUtf8.Length)]);
                break;
            case 4 when bytes.Count > 0:
                // Repeat a span, as a duplicated field or line would be.
                var start = Random.Next(bytes.Count);
                var span = bytes.GetRange(start, Math.Min(Random.Next(1, 40), bytes.Count - start));
                bytes.InsertRange(Random.Next(bytes.Count + 1), span);
                break;
            case 5:
                // Truncate, as a partly written file would be.
                bytes.RemoveRange(at, bytes.Count - at);
                break;
            case 6:
                bytes.InsertRange(at, Enumerable.Repeat((byte)(Random.Next(2) == 0 ? 'a' : '9'), Random.Next(1, 5000)));
                break;
            case 7 when bytes.Count > 0:
                bytes[Math.Min(at, bytes.Count - 1)] = (byte)Random.Next(256);
                break;
            default:
                bytes.InsertRange(at, RandomBytes(8));
                break;
        }
    }
}
