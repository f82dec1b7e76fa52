using System.Text;
using CsCheck;

namespace Sleeper.Core.Tests.Keys;

/// <summary>Generators of key values whose orderings are easy to get wrong.</summary>
internal static class KeyGens
{
    // Code points around the UTF-16/UTF-8 order differences: surrogate neighbours, private use, astral planes.
    private static readonly int[] s_edgeCodePoints = [0, 0x41, 0x7F, 0x80, 0xE9, 0x7FF, 0x800, 0xD7FF, 0xE000, 0xFFFD, 0xFFFF, 0x10000, 0x1F600, 0x10FFFF];

    public static readonly Gen<int> CodePoint = Gen.OneOf(
        Gen.Int[0, s_edgeCodePoints.Length - 1].Select(i => s_edgeCodePoints[i]),
        Gen.Int[0, 0x7F],
        Gen.Int[0x80, 0xD7FF],
        Gen.Int[0xE000, 0xFFFF],
        Gen.Int[0x10000, 0x10FFFF]);

    /// <summary>Well-formed strings (no lone surrogates), often sharing prefixes.</summary>
    public static readonly Gen<string> Utf16String = CodePoint.Array[0, 6].Select(cps =>
    {
        var sb = new StringBuilder();
        foreach (var cp in cps)
        {
            sb.Append(char.ConvertFromUtf32(cp));
        }
        return sb.ToString();
    });

    /// <summary>A string of the same kinds of code points, from a seeded source.</summary>
    public static string RandomString(Random random)
    {
        var sb = new StringBuilder();
        for (var i = random.Next(0, 4); i > 0; i--)
        {
            var cp = random.Next(4) switch
            {
                0 => s_edgeCodePoints[random.Next(s_edgeCodePoints.Length)],
                1 => random.Next(0x20, 0x7F),
                2 => random.Next(0xE000, 0x10000),
                _ => random.Next(0x10000, 0x110000),
            };
            sb.Append(char.ConvertFromUtf32(cp));
        }
        return sb.ToString();
    }

    public static int Sign(int c) => Math.Sign(c);

    public static int Utf8Order(string a, string b) => Sign(Encoding.UTF8.GetBytes(a).AsSpan().SequenceCompareTo(Encoding.UTF8.GetBytes(b)));
}
