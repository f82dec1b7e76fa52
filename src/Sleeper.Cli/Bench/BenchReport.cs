using System.Globalization;
using System.Text;
using Spectre.Console;

namespace Sleeper.Cli.Bench;

/// <summary>Presents the suite's results: a table for the console, and a Markdown document for the record.</summary>
public static class BenchReport
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    private static readonly string[] Headers =
        ["case", "ours /s", "DuckDB /s", "ours/DuckDB", "ours peak MB", "DuckDB peak MB", "ours alloc MB", "notes"];

    public static Table ConsoleTable(IReadOnlyList<CaseResult> results, long rows)
    {
        var table = new Table().Border(TableBorder.Rounded).Title($"sleeper bench, {rows.ToString("N0", Invariant)} rows");
        foreach (var (header, i) in Headers.Select((h, i) => (h, i)))
        {
            var column = new TableColumn(Markup.Escape(header));
            table.AddColumn(i is > 0 and < 7 ? column.RightAligned() : column);
        }
        foreach (var row in Rows(results))
        {
            table.AddRow(row.Select(c => new Text(c)).ToArray());
        }
        return table;
    }

    public static string Markdown(IReadOnlyList<CaseResult> results, long rows, MachineInfo machine, string commandLine, IngestPhases? phases, TimeSpan setup, string loadAverage)
    {
        var md = new StringBuilder();
        md.AppendLine(Invariant, $"### `{commandLine}`");
        md.AppendLine();
        md.AppendLine(Invariant, $"- Machine: {machine.Describe()}");
        md.AppendLine(Invariant, $"- Rows: {rows.ToString("N0", Invariant)} of the standard schema (12-character key, long timestamp, 40-character value); inputs made in {setup.TotalSeconds:F1} s, not timed");
        md.AppendLine(Invariant, $"- Run at {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC; load average (1, 5, 15 min) {loadAverage}");
        md.AppendLine();
        md.AppendLine("| " + string.Join(" | ", Headers) + " |");
        md.AppendLine("|" + string.Concat(Headers.Select((_, i) => i is > 0 and < 7 ? "---:|" : "---|")));
        foreach (var row in Rows(results))
        {
            md.AppendLine("| " + string.Join(" | ", row.Select(c => c.Replace("|", "\\|", StringComparison.Ordinal))) + " |");
        }
        md.AppendLine();
        md.AppendLine("What each side does:");
        md.AppendLine();
        foreach (var r in results)
        {
            md.AppendLine(Invariant, $"- **{r.Name}**: ours {r.OursDoes}. DuckDB: {r.PeerDoes}.");
        }
        if (phases is not null)
        {
            md.AppendLine();
            md.AppendLine(Invariant, $"Our ingest, phase by phase (the same steps run separately with a clock on each): {phases.Describe()}.");
        }
        md.AppendLine();
        md.AppendLine("Peak MB is the highest working set sampled every 10 ms during the case, above the working set at its start (with --repeat, the most any run needed); " +
            "alloc MB is the managed memory ours allocated (the peer allocates natively).");
        return md.ToString();
    }

    private static IEnumerable<string[]> Rows(IReadOnlyList<CaseResult> results) => results.Select(r => new[]
    {
        r.Unit == "rows/s" ? r.Name : $"{r.Name} ({r.Unit})",
        Rate(r.Ours.RowsPerSecond),
        Rate(r.Peer.RowsPerSecond),
        r.Ratio.ToString("F2", Invariant),
        BenchSuite.Mb(r.Ours.PeakBytesAboveStart).ToString("F0", Invariant),
        BenchSuite.Mb(r.Peer.PeakBytesAboveStart).ToString("F0", Invariant),
        BenchSuite.Mb(r.Ours.AllocatedBytes).ToString("F0", Invariant),
        r.Notes,
    });

    private static string Rate(double perSecond) => perSecond >= 1000 ? perSecond.ToString("N0", Invariant) : perSecond.ToString("F1", Invariant);
}
