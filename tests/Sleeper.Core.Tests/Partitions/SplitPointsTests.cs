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

        Assert.StartsWith("splits.txt:", e.Message);
        Assert.Contains("point 3", e.Message);
    }
}
