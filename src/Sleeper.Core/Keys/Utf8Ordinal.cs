namespace Sleeper.Core.Keys;

/// <summary>
/// Compares .NET strings in the order of their UTF-8 bytes (code point order), the order Parquet statistics
/// and Sleeper use. Plain ordinal comparison of UTF-16 differs for characters above U+FFFF.
/// </summary>
public static class Utf8Ordinal
{
    public static int Compare(string? a, string? b)
    {
        if (ReferenceEquals(a, b))
        {
            return 0;
        }
        if (a is null)
        {
            return -1;
        }
        if (b is null)
        {
            return 1;
        }
        var length = Math.Min(a.Length, b.Length);
        var span = a.AsSpan(0, length);
        var mismatch = span.CommonPrefixLength(b.AsSpan(0, length));
        if (mismatch == length)
        {
            return a.Length.CompareTo(b.Length);
        }
        return Fixup(a[mismatch]).CompareTo(Fixup(b[mismatch]));
    }

    // Surrogates (D800-DFFF) encode code points above FFFF, so they must sort after E000-FFFF.
    private static int Fixup(char c) => c >= 0xE000 ? c - 0x800 : c >= 0xD800 ? c + 0x2000 : c;

    public static readonly IComparer<string> Comparer = Comparer<string>.Create(Compare);
}
