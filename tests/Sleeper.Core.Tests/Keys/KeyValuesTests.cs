using CsCheck;
using Sleeper.Core.Keys;
using Sleeper.Core.Schema;
using Xunit;

namespace Sleeper.Core.Tests.Keys;

public class KeyValuesTests
{
    [Fact]
    public void String_order_is_the_order_of_utf8_bytes_for_random_strings()
    {
        Gen.Select(KeyGens.Utf16String, KeyGens.Utf16String).Sample((a, b) =>
        {
            var expected = KeyGens.Utf8Order(a, b);
            Assert.Equal(expected, KeyGens.Sign(Utf8Ordinal.Compare(a, b)));
            Assert.Equal(expected, KeyGens.Sign(KeyValues.Compare(StringType.Instance, a, b)));
            Assert.Equal(expected, KeyGens.Sign(KeyValues.CompareUntyped(a, b)));
            Assert.Equal(-expected, KeyGens.Sign(Utf8Ordinal.Compare(b, a)));
        }, iter: 20_000);
    }

    [Fact]
    public void Sorting_random_strings_gives_utf8_byte_order()
    {
        KeyGens.Utf16String.Array[0, 30].Sample(strings =>
        {
            var sorted = strings.OrderBy(s => s, Utf8Ordinal.Comparer).ToArray();
            var byBytes = strings.OrderBy(s => System.Text.Encoding.UTF8.GetBytes(s), Comparer<byte[]>.Create((x, y) => x.AsSpan().SequenceCompareTo(y))).ToArray();
            Assert.Equal(byBytes, sorted);
        }, iter: 2_000);
    }

    [Theory]
    [InlineData("\uFFFF", "\U00010000")]
    [InlineData("\uE000", "\U0001F600")]
    [InlineData("\uD7FF", "\uE000")]
    [InlineData("a", "a\0")]
    [InlineData("", "\0")]
    [InlineData("\U0001F600", "\U0001F601")]
    [InlineData("\U0001F600", "\U0001F600a")]
    [InlineData("z", "é")]
    public void Strings_order_by_code_point_where_utf16_order_differs(string smaller, string larger)
    {
        Assert.True(Utf8Ordinal.Compare(smaller, larger) < 0);
        Assert.True(Utf8Ordinal.Compare(larger, smaller) > 0);
        Assert.Equal(0, Utf8Ordinal.Compare(larger, new string(larger.ToCharArray())));
    }

    [Fact]
    public void Null_strings_sort_first()
    {
        Assert.True(Utf8Ordinal.Compare(null, "") < 0);
        Assert.True(Utf8Ordinal.Compare("", null) > 0);
        Assert.Equal(0, Utf8Ordinal.Compare(null, null));
    }

    [Fact]
    public void Byte_arrays_compare_unsigned_and_shorter_prefix_first()
    {
        var t = ByteArrayType.Instance;
        Assert.True(KeyValues.Compare(t, new byte[] { 0x7F }, new byte[] { 0x80 }) < 0);
        Assert.True(KeyValues.Compare(t, new byte[] { 0xFF }, new byte[] { 0x00, 0x00 }) > 0);
        Assert.True(KeyValues.Compare(t, Array.Empty<byte>(), new byte[] { 0x00 }) < 0);
        Assert.True(KeyValues.Compare(t, new byte[] { 1, 2 }, new byte[] { 1, 2, 0 }) < 0);
        Assert.Equal(0, KeyValues.Compare(t, new byte[] { 1, 2 }, new byte[] { 1, 2 }));
    }

    [Fact]
    public void Random_byte_arrays_compare_as_unsigned_lexicographic()
    {
        var bytes = Gen.Byte.Array[0, 5];
        Gen.Select(bytes, bytes).Sample((a, b) =>
        {
            var expected = 0;
            for (var i = 0; i < Math.Min(a.Length, b.Length) && expected == 0; i++)
            {
                expected = ((int)a[i]).CompareTo(b[i]);
            }
            if (expected == 0)
            {
                expected = a.Length.CompareTo(b.Length);
            }
            Assert.Equal(Math.Sign(expected), Math.Sign(KeyValues.Compare(ByteArrayType.Instance, a, b)));
        }, iter: 5_000);
    }

    [Fact]
    public void Ints_and_longs_compare_numerically_at_their_extremes()
    {
        int[] ints = [int.MinValue, int.MinValue + 1, -1, 0, 1, int.MaxValue - 1, int.MaxValue];
        long[] longs = [long.MinValue, long.MinValue + 1, int.MinValue - 1L, -1, 0, 1, int.MaxValue + 1L, long.MaxValue - 1, long.MaxValue];
        for (var i = 0; i < ints.Length; i++)
        {
            for (var j = 0; j < ints.Length; j++)
            {
                Assert.Equal(Math.Sign(i.CompareTo(j)), Math.Sign(KeyValues.Compare(IntType.Instance, ints[i], ints[j])));
            }
        }
        for (var i = 0; i < longs.Length; i++)
        {
            for (var j = 0; j < longs.Length; j++)
            {
                Assert.Equal(Math.Sign(i.CompareTo(j)), Math.Sign(KeyValues.Compare(LongType.Instance, longs[i], longs[j])));
            }
        }
    }

    [Fact]
    public void Minimum_of_each_type_is_not_above_any_value()
    {
        Assert.Equal(int.MinValue, KeyValues.MinimumOf(IntType.Instance));
        Assert.Equal(long.MinValue, KeyValues.MinimumOf(LongType.Instance));
        Assert.Equal("", KeyValues.MinimumOf(StringType.Instance));
        Assert.Equal(Array.Empty<byte>(), KeyValues.MinimumOf(ByteArrayType.Instance));
        KeyGens.Utf16String.Sample(s => Assert.True(KeyValues.Compare(StringType.Instance, "", s) <= 0), iter: 500);
    }

    [Fact]
    public void Comparing_values_of_different_types_without_a_type_is_an_error()
    {
        Assert.Throws<ArgumentException>(() => KeyValues.CompareUntyped(1, 1L));
        Assert.True(KeyValues.CompareUntyped(null, 1) < 0);
        Assert.True(KeyValues.CompareUntyped(1, null) > 0);
    }

    [Theory]
    [InlineData("IntType", "42", 42)]
    [InlineData("IntType", "-2147483648", int.MinValue)]
    [InlineData("IntType", "2147483647", int.MaxValue)]
    [InlineData("LongType", "-9223372036854775808", long.MinValue)]
    [InlineData("LongType", "9223372036854775807", long.MaxValue)]
    [InlineData("StringType", " spaced ", " spaced ")]
    public void Parse_reads_numbers_and_strings(string typeName, string text, object expected)
    {
        Assert.Equal(expected, KeyValues.Parse(TypeNamed(typeName), text, "arg"));
    }

    [Fact]
    public void Parse_reads_byte_arrays_as_base64()
    {
        Assert.Equal(new byte[] { 0, 0xFF, 0x10 }, KeyValues.Parse(ByteArrayType.Instance, "AP8Q", "arg"));
        Assert.Equal(Array.Empty<byte>(), KeyValues.Parse(ByteArrayType.Instance, "", "arg"));
    }

    [Theory]
    [InlineData("IntType", "2147483648", "not an int")]
    [InlineData("IntType", "1.5", "not an int")]
    [InlineData("IntType", "", "not an int")]
    [InlineData("IntType", "0x10", "not an int")]
    [InlineData("LongType", "9223372036854775808", "not a long")]
    [InlineData("LongType", "ten", "not a long")]
    [InlineData("ByteArrayType", "not base64!", "base64")]
    public void Parse_errors_name_where_the_value_came_from_and_the_value(string typeName, string text, string problem)
    {
        var e = Assert.Throws<SleeperException>(() => KeyValues.Parse(TypeNamed(typeName), text, "splits.txt line 3"));

        Assert.StartsWith("splits.txt line 3:", e.Message);
        Assert.Contains($"'{text}'", e.Message);
        Assert.Contains(problem, e.Message);
    }

    [Fact]
    public void Format_writes_byte_arrays_in_base64_and_numbers_invariantly()
    {
        Assert.Equal("AP8Q", KeyValues.Format(new byte[] { 0, 0xFF, 0x10 }));
        Assert.Equal("-1234567", KeyValues.Format(-1234567));
        Assert.Equal("null", KeyValues.Format(null));
    }

    [Fact]
    public void Values_equal_by_content_including_byte_arrays_lists_and_maps()
    {
        Assert.True(KeyValues.ValueEquals(new byte[] { 1, 2 }, new byte[] { 1, 2 }));
        Assert.False(KeyValues.ValueEquals(new byte[] { 1, 2 }, new byte[] { 1, 3 }));
        Assert.True(KeyValues.ValueEquals(new List<object?> { 1, null }, new List<object?> { 1, null }));
        Assert.True(KeyValues.ValueEquals(new Dictionary<object, object?> { ["a"] = new byte[] { 1 } }, new Dictionary<object, object?> { ["a"] = new byte[] { 1 } }));
        Assert.False(KeyValues.ValueEquals(new Dictionary<object, object?> { ["a"] = 1 }, new Dictionary<object, object?> { ["b"] = 1 }));
        Assert.False(KeyValues.ValueEquals(1, 1L));
        Assert.False(KeyValues.ValueEquals(null, 1));
    }

    [Fact]
    public void Keys_compare_field_by_field_in_declared_order()
    {
        var comparer = new KeyComparer([StringType.Instance, IntType.Instance]);

        Assert.True(comparer.Compare(Key.Of("a", 5), Key.Of("b", 1)) < 0);
        Assert.True(comparer.Compare(Key.Of("a", 5), Key.Of("a", 1)) > 0);
        Assert.Equal(0, comparer.Compare(Key.Of("a", 5), Key.Of("a", 5)));
        Assert.Equal(Key.Of(new byte[] { 1 }, 2), Key.Of(new byte[] { 1 }, 2));
    }

    internal static PrimitiveType TypeNamed(string name) => name switch
    {
        "IntType" => IntType.Instance,
        "LongType" => LongType.Instance,
        "StringType" => StringType.Instance,
        "ByteArrayType" => ByteArrayType.Instance,
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };
}
