using System.Text;
using Sleeper.Core.Partitions;
using Sleeper.Core.Schema;
using Xunit;

namespace Sleeper.Core.Tests.Partitions;

public class SplitPointsTests
{
    private static TableSchema Schema(PrimitiveType type) => new([new Field("k", type)]);

    [Fact]
    public void Int_split_points_parse_one_per_line_with_crlf_and_spaces()
    {
        var points = SplitPoints.Parse("-5\r\n 0 \n17\n", Schema(IntType.Instance), false, "splits.txt");

        Assert.Equal([-5, 0, 17], points.Cast<int>());
    }

    [Fact]
    public void Long_split_points_parse_at_their_extremes()
    {
        var points = SplitPoints.Parse("-9223372036854775807\n9223372036854775807", Schema(LongType.Instance), false, "splits.txt");

        Assert.Equal([long.MinValue + 1, long.MaxValue], points.Cast<long>());
    }

    [Fact]
    public void String_split_points_keep_their_spaces()
    {
        var points = SplitPoints.Parse(" c\na b\nd\n", Schema(StringType.Instance), false, "splits.txt");

        Assert.Equal([" c", "a b", "d"], points.Cast<string>());
    }

    [Fact]
    public void Base64_string_split_points_decode_as_utf8()
    {
        string[] expected = ["apple", "é", "\U0001F600"];
        var text = string.Concat(expected.Select(s => Convert.ToBase64String(Encoding.UTF8.GetBytes(s)) + "\n"));

        var points = SplitPoints.Parse(text, Schema(StringType.Instance), true, "splits.txt");

        Assert.Equal(expected, points.Cast<string>());
        Assert.Equal(text, SplitPoints.Format(points, true));
    }

    [Fact]
    public void Byte_array_split_points_are_base64_whatever_the_strings_setting()
    {
        foreach (var base64 in new[] { false, true })
        {
            var points = SplitPoints.Parse("AA==\nfw==\ngA==\n", Schema(ByteArrayType.Instance), base64, "splits.txt");

            Assert.Equal([new byte[] { 0 }, new byte[] { 0x7F }, new byte[] { 0x80 }], points.Cast<byte[]>());
            Assert.Equal("AA==\nfw==\ngA==\n", SplitPoints.Format(points, base64));
        }
    }

    [Fact]
    public void Empty_text_gives_no_split_points()
    {
        Assert.Empty(SplitPoints.Parse("", Schema(IntType.Instance), false, "splits.txt"));
    }

    [Theory]
    [InlineData("IntType", "1\n2\nthree\n", "line 3")]
    [InlineData("IntType", "1\n\n3\n", "line 2")]
    [InlineData("LongType", "1\n2.5\n", "line 2")]
    [InlineData("ByteArrayType", "AA==\n!!\n", "line 2")]
    public void Unparseable_lines_are_named(string typeName, string text, string line)
    {
        var e = Assert.Throws<SleeperException>(() => SplitPoints.Parse(text, Schema(Keys.KeyValuesTests.TypeNamed(typeName)), false, "splits.txt"));

        Assert.Contains($"splits.txt {line}", e.Message);
    }

    [Fact]
    public void Unparseable_base64_string_line_is_named()
    {
        var e = Assert.Throws<SleeperException>(() => SplitPoints.Parse("YQ==\nnot base64\n", Schema(StringType.Instance), true, "splits.txt"));

        Assert.Contains("splits.txt line 2", e.Message);
    }

    [Fact]
    public void Out_of_order_lines_are_rejected_naming_the_file_and_point()
    {
        var e = Assert.Throws<SleeperException>(() => SplitPoints.Parse("1\n5\n3\n", Schema(IntType.Instance), false, "splits.txt"));

        Assert.StartsWith("splits.txt line 3:", e.Message);
        Assert.Contains("point 3", e.Message);
        Assert.Contains("increasing", e.Message);
    }

    [Theory]
    [InlineData("IntType", "1\n5\n5\n9\n", "line 3")]
    [InlineData("LongType", "-7\n-7\n", "line 2")]
    [InlineData("StringType", "a\nb\nb\n", "line 3")]
    [InlineData("ByteArrayType", "AQ==\nAQ==\n", "line 2")]
    public void Duplicate_points_are_rejected_naming_the_line(string typeName, string text, string line)
    {
        var e = Assert.Throws<SleeperException>(() => SplitPoints.Parse(text, Schema(Keys.KeyValuesTests.TypeNamed(typeName)), false, "splits.txt"));

        Assert.StartsWith($"splits.txt {line}:", e.Message);
        Assert.Contains("duplicates", e.Message);
    }

    [Fact]
    public void Base64_strings_out_of_order_once_decoded_are_rejected()
    {
        // "Yg==" is "b" and "YQ==" is "a": sorted as text but not as the strings they stand for.
        var e = Assert.Throws<SleeperException>(() => SplitPoints.Parse("Yg==\nYQ==\n", Schema(StringType.Instance), true, "splits.txt"));

        Assert.Contains("splits.txt line 2", e.Message);
        Assert.Contains("increasing", e.Message);
    }

    [Theory]
    [InlineData("StringType", "a\n\nc\n")]
    [InlineData("ByteArrayType", "AQ==\n\nAw==\n")]
    [InlineData("LongType", "1\n   \n3\n")]
    public void A_blank_line_in_the_middle_is_rejected_naming_it(string typeName, string text)
    {
        var e = Assert.Throws<SleeperException>(() => SplitPoints.Parse(text, Schema(Keys.KeyValuesTests.TypeNamed(typeName)), false, "splits.txt"));

        Assert.StartsWith("splits.txt line 2 is blank", e.Message);
    }

    [Fact]
    public void Empty_lines_at_the_end_are_ignored()
    {
        Assert.Equal(["a", "b"], SplitPoints.Parse("a\nb\n\n\r\n", Schema(StringType.Instance), false, "splits.txt").Cast<string>());
    }

    [Theory]
    [InlineData("IntType", "-2147483648\n5\n")]
    [InlineData("LongType", "-9223372036854775808\n")]
    public void The_smallest_value_of_the_type_is_rejected(string typeName, string text)
    {
        var e = Assert.Throws<SleeperException>(() => SplitPoints.Parse(text, Schema(Keys.KeyValuesTests.TypeNamed(typeName)), false, "splits.txt"));

        Assert.StartsWith("splits.txt line 1:", e.Message);
        Assert.Contains("smallest", e.Message);
    }

    [Fact]
    public void Base64_that_is_not_utf8_is_not_a_string_point()
    {
        var e = Assert.Throws<SleeperException>(() => SplitPoints.Parse("YQ==\n/w==\n", Schema(StringType.Instance), true, "splits.txt"));

        Assert.Contains("splits.txt line 2", e.Message);
        Assert.Contains("not UTF-8", e.Message);
    }

    [Fact]
    public void A_plain_string_with_a_line_break_cannot_be_written_but_base64_can()
    {
        object[] points = ["a", "b\nc"];

        var e = Assert.Throws<SleeperException>(() => SplitPoints.Format(points, false));
        Assert.Contains("sleeper.table.splits.base64.encoded", e.Message);
        var text = SplitPoints.Format(points, true);
        Assert.Equal(points, SplitPoints.Parse(text, Schema(StringType.Instance), true, "splits.txt"));
    }

    [Fact]
    public void Int_and_long_points_round_trip_through_the_format()
    {
        object[] ints = [int.MinValue + 1, -1, 0, int.MaxValue];
        Assert.Equal(ints, SplitPoints.Parse(SplitPoints.Format(ints, false), Schema(IntType.Instance), false, "splits.txt"));
        object[] longs = [long.MinValue + 1, 0L, long.MaxValue];
        Assert.Equal(longs, SplitPoints.Parse(SplitPoints.Format(longs, true), Schema(LongType.Instance), true, "splits.txt"));
    }
}
