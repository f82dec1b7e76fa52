using System.Text;

namespace Sleeper.Core.Tests.Sketches;

/// <summary>Reproducible data sets of every key type: uniform, skewed and all-equal.</summary>
internal static class TestData
{
    // Characters from every UTF-8 length, including ones above U+FFFF (surrogate pairs in .NET) and
    // ones in E000-FFFF, which order differently in UTF-16 and UTF-8.
    private static readonly string[] s_alphabet = ["a", "z", "A", "0", "é", "ß", "中", "文", "\uFF21", "\uE000", "😀", "𝄞", " ", ""];

    public static int[] UniformInts(int n, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, n).Select(_ => random.Next(int.MinValue, int.MaxValue)).ToArray();
    }

    public static int[] SkewedInts(int n, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, n).Select(_ => (int)(1_000_000 * Math.Pow(random.NextDouble(), 6))).ToArray();
    }

    public static long[] UniformLongs(int n, int seed)
    {
        var random = new Random(seed);
        var data = Enumerable.Range(0, n).Select(_ => random.NextInt64(long.MinValue, long.MaxValue)).ToArray();
        data[0] = long.MinValue;
        data[1] = long.MaxValue;
        return data;
    }

    public static long[] SkewedLongs(int n, int seed)
    {
        var random = new Random(seed);
        // Heavy duplication of a few values plus a long tail.
        return Enumerable.Range(0, n).Select(_ => random.NextDouble() < 0.5 ? 42L : (long)(1e12 * Math.Pow(random.NextDouble(), 4))).ToArray();
    }

    public static string[] Strings(int n, int seed, bool skewed)
    {
        var random = new Random(seed);
        var result = new string[n];
        var sb = new StringBuilder();
        for (var i = 0; i < n; i++)
        {
            sb.Clear();
            var length = skewed ? (int)(12 * Math.Pow(random.NextDouble(), 3)) : random.Next(0, 12);
            for (var j = 0; j < length; j++)
            {
                var index = skewed ? (int)(s_alphabet.Length * Math.Pow(random.NextDouble(), 3)) : random.Next(s_alphabet.Length);
                sb.Append(s_alphabet[index]);
            }
            result[i] = sb.ToString();
        }
        return result;
    }

    public static byte[][] ByteArrays(int n, int seed, bool skewed)
    {
        var random = new Random(seed);
        var result = new byte[n][];
        for (var i = 0; i < n; i++)
        {
            var bytes = new byte[skewed ? (int)(6 * Math.Pow(random.NextDouble(), 3)) : random.Next(0, 8)];
            random.NextBytes(bytes);
            if (skewed)
            {
                for (var j = 0; j < bytes.Length; j++)
                {
                    bytes[j] = (byte)(bytes[j] % 3 == 0 ? 0xFF : bytes[j] % 4);
                }
            }
            result[i] = bytes;
        }
        return result;
    }
}
