using System.Text.RegularExpressions;

namespace Sleeper.Cli.Tests;

/// <summary>
/// `sleeper demo` tells the whole story on the embedded default: the scheduled work compacts and splits on its own
/// while rows arrive in waves, and queries through the server hide the labelled rows from a user without the label.
/// </summary>
public sealed partial class DemoCommandTest : IDisposable
{
    private readonly CliRunner _cli = new();

    public void Dispose() => _cli.Dispose();

    [Fact]
    public async Task The_demo_shows_compactions_and_splits_done_on_their_own_and_hides_labelled_rows_from_the_analyst()
    {
        var result = await _cli.RunAsync("demo", "--rows", "40000");

        Assert.True(result.Status == 0, result.Output + result.Error);
        Assert.Contains("wave 10/10", result.Output);
        Assert.True(Count(result.Output, "compaction jobs") > 0, result.Output);
        Assert.True(Count(result.Output, "partition splits") > 0, result.Output);
        var range = RangeLine().Match(result.Output);
        Assert.True(range.Success, result.Output);
        var operatorRows = long.Parse(range.Groups[1].Value.Replace(",", ""));
        var analystRows = long.Parse(range.Groups[2].Value.Replace(",", ""));
        Assert.True(analystRows < operatorRows && analystRows > 0, result.Output);
        Assert.Contains("Table 'demo': 40,000 rows (4,000 labelled RED)", result.Output);
        Assert.Contains("Open the dashboard", result.Output);
    }

    private static long Count(string output, string what) =>
        long.Parse(Regex.Match(output, Regex.Escape(what) + @"\s*│\s*([\d,]+)").Groups[1].Value.Replace(",", ""));

    [GeneratedRegex(@"Through the server, keys a-b: operator sees ([\d,]+) rows, analyst ([\d,]+);")]
    private static partial Regex RangeLine();
}
