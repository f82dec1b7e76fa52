using System.Globalization;
using Sleeper.Core.Schema;

namespace Sleeper.Core.Keys;

/// <summary>Comparison, equality, parsing and formatting of primitive key values (int, long, string, byte[]).</summary>
public static class KeyValues
{
    public static int Compare(PrimitiveType type, object a, object b) => type switch
    {
        IntType => ((int)a).CompareTo((int)b),
        LongType => ((long)a).CompareTo((long)b),
        StringType => Utf8Ordinal.Compare((string)a, (string)b),
        ByteArrayType => ((byte[])a).AsSpan().SequenceCompareTo((byte[])b),
        _ => throw new ArgumentOutOfRangeException(nameof(type)),
    };

    /// <summary>Compares values of any primitive type without knowing it; nulls first.</summary>
    public static int CompareUntyped(object? a, object? b) => (a, b) switch
    {
        (null, null) => 0,
        (null, _) => -1,
        (_, null) => 1,
        (int x, int y) => x.CompareTo(y),
        (long x, long y) => x.CompareTo(y),
        (string x, string y) => Utf8Ordinal.Compare(x, y),
        (byte[] x, byte[] y) => x.AsSpan().SequenceCompareTo(y),
        _ => throw new ArgumentException($"Cannot compare {a.GetType().Name} with {b.GetType().Name}."),
    };

    public static bool ValueEquals(object? a, object? b) => (a, b) switch
    {
        (null, null) => true,
        (null, _) or (_, null) => false,
        (byte[] x, byte[] y) => x.AsSpan().SequenceEqual(y),
        (System.Collections.IList x, System.Collections.IList y) => ListEquals(x, y),
        (System.Collections.IDictionary x, System.Collections.IDictionary y) => MapEquals(x, y),
        _ => a.Equals(b),
    };

    private static bool ListEquals(System.Collections.IList x, System.Collections.IList y)
    {
        if (x.Count != y.Count)
        {
            return false;
        }
        for (var i = 0; i < x.Count; i++)
        {
            if (!ValueEquals(x[i], y[i]))
            {
                return false;
            }
        }
        return true;
    }

    private static bool MapEquals(System.Collections.IDictionary x, System.Collections.IDictionary y)
    {
        if (x.Count != y.Count)
        {
            return false;
        }
        foreach (System.Collections.DictionaryEntry e in x)
        {
            if (!y.Contains(e.Key) || !ValueEquals(e.Value, y[e.Key]))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>The smallest value of a type: the inclusive minimum of an unbounded range.</summary>
    public static object MinimumOf(PrimitiveType type) => type switch
    {
        IntType => int.MinValue,
        LongType => long.MinValue,
        StringType => "",
        ByteArrayType => Array.Empty<byte>(),
        _ => throw new ArgumentOutOfRangeException(nameof(type)),
    };

    /// <summary>Checks that a value has the .NET type that stands for the Sleeper type.</summary>
    public static bool IsOfType(PrimitiveType type, object? value) => type switch
    {
        IntType => value is int,
        LongType => value is long,
        StringType => value is string,
        ByteArrayType => value is byte[],
        _ => false,
    };

    /// <summary>Parses a value written on a command line or in a split-points file (byte arrays in base64).</summary>
    public static object Parse(PrimitiveType type, string text, string what)
    {
        switch (type)
        {
            case IntType:
                return int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var i)
                    ? i
                    : throw new SleeperException($"{what}: '{text}' is not an int.");
            case LongType:
                return long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var l)
                    ? l
                    : throw new SleeperException($"{what}: '{text}' is not a long.");
            case StringType:
                return text;
            case ByteArrayType:
                try
                {
                    return Convert.FromBase64String(text);
                }
                catch (FormatException)
                {
                    throw new SleeperException($"{what}: '{text}' is not base64 (byte array keys are written in base64).");
                }
            default:
                throw new ArgumentOutOfRangeException(nameof(type));
        }
    }

    public static string Format(object? value) => value switch
    {
        null => "null",
        byte[] b => Convert.ToBase64String(b),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };
}
