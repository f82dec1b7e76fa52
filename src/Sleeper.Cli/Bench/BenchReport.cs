using System.Globalization;
using System.Text;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Sleeper.Cli.Bench;

/// <summary>
/// Presents the suite's results: tables for the console, and a Markdown document for the record. Rows that
/// compare the same two sides share a table: ours against DuckDB first, then (with the services) ours on the
/// S3 server and PostgreSQL against ours on the embedded instance, then the S3 requests per operation.
/// </summary>
public static class BenchReport
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    private static readonly string[] RequestHeaders = ["operation", "operations", "GET /op", "HEAD /op", "PUT /op", "LIST /op", "DELETE /op", "notes"];

    public static IRenderable ConsoleTable(IReadOnlyList<CaseResult> results, long rows, IReadOnlyList<S3RequestFigure>? requests = null)
    {
        var tables = new List<IRenderable>();
        foreach (var group in Groups(results))
        {
            var (ours, peer) = group.Key;
            var title = (ours, peer) == ("ours", "DuckDB") ? $"sleeper bench, {rows.ToString("N0", Invariant)} rows" : $"{Describe(group.Key)}, {rows.ToString("N0", Invariant)} rows";
            tables.Add(Console(title, Headers(group.Key), Rows(group), 7));
        }
        if (requests is { Count: > 0 })
        {
            tables.Add(Console("S3 requests per operation, on services", RequestHeaders, RequestRows(requests), 7));
        }
        return new Rows(tables);
    }

    public static string Markdown(IReadOnlyList<CaseResult> results, long rows, MachineInfo machine, string commandLine, IngestPhases? phases, TimeSpan setup, string loadAverage,
        IReadOnlyList<S3RequestFigure>? requests = null, string? servers = null)
    {
        var md = new StringBuilder();
        md.AppendLine(Invariant, $"### `{commandLine}`");
        md.AppendLine();
        md.AppendLine(Invariant, $"- Machine: {machine.Describe()}");
        if (servers is not null)
        {
            md.AppendLine(Invariant, $"- Services: {servers}");
        }
        md.AppendLine(Invariant, $"- Rows: {rows.ToString("N0", Invariant)} of the standard schema (12-character key, long timestamp, 40-character value); inputs made in {setup.TotalSeconds:F1} s, not timed");
        md.AppendLine(Invariant, $"- Run at {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC; load average (1, 5, 15 min) {loadAverage}");
        foreach (var group in Groups(results))
        {
            md.AppendLine();
            if (group.Key != ("ours", "DuckDB"))
            {
                md.AppendLine(Invariant, $"{Describe(group.Key)}:");
                md.AppendLine();
            }
            AppendTable(md, Headers(group.Key), Rows(group), 7);
        }
        if (requests is { Count: > 0 })
        {
            md.AppendLine();
            md.AppendLine("S3 requests per operation, on services (counted by the store, one per call; retries inside a call not counted again):");
            md.AppendLine();
            AppendTable(md, RequestHeaders, RequestRows(requests), 7);
        }
        md.AppendLine();
        md.AppendLine("What each side does:");
        md.AppendLine();
        foreach (var r in results)
        {
            md.AppendLine(r.Sides == ("ours", "DuckDB")
                ? $"- **{r.Name}**: ours {r.OursDoes}. DuckDB: {r.PeerDoes}."
                : $"- **{r.Name}** ({r.OursLabel} against {r.PeerLabel}): {r.OursLabel}: {r.OursDoes}. {r.PeerLabel}: {r.PeerDoes}.");
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

    private static IEnumerable<IGrouping<(string Ours, string Peer), CaseResult>> Groups(IReadOnlyList<CaseResult> results) => results.GroupBy(r => r.Sides);

    private static string Describe((string Ours, string Peer) sides) => sides == ("services", "embedded")
        ? "On services (the S3 server and PostgreSQL) against the embedded instance; services/embedded above 1 means services is faster"
        : $"{sides.Ours} against {sides.Peer}";

    private static string[] Headers((string Ours, string Peer) sides) =>
        ["case", $"{sides.Ours} /s", $"{sides.Peer} /s", $"{sides.Ours}/{sides.Peer}", $"{sides.Ours} peak MB", $"{sides.Peer} peak MB", $"{sides.Ours} alloc MB", "notes"];

    private static Table Console(string title, string[] headers, IEnumerable<string[]> rows, int notesColumn)
    {
        var table = new Table().Border(TableBorder.Rounded).Title(Markup.Escape(title));
        foreach (var (header, i) in headers.Select((h, i) => (h, i)))
        {
            var column = new TableColumn(Markup.Escape(header));
            table.AddColumn(i > 0 && i < notesColumn ? column.RightAligned() : column);
        }
        foreach (var row in rows)
        {
            table.AddRow(row.Select(c => new Text(c)).ToArray());
        }
        return table;
    }

    private static void AppendTable(StringBuilder md, string[] headers, IEnumerable<string[]> rows, int notesColumn)
    {
        md.AppendLine("| " + string.Join(" | ", headers) + " |");
        md.AppendLine("|" + string.Concat(headers.Select((_, i) => i > 0 && i < notesColumn ? "---:|" : "---|")));
        foreach (var row in rows)
        {
            md.AppendLine("| " + string.Join(" | ", row.Select(c => c.Replace("|", "\\|", StringComparison.Ordinal))) + " |");
        }
    }

    private static IEnumerable<string[]> Rows(IEnumerable<CaseResult> results) => results.Select(r => new[]
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

    private static IEnumerable<string[]> RequestRows(IReadOnlyList<S3RequestFigure> requests) => requests.Select(f => new[]
    {
        f.Operation,
        f.Operations.ToString("N0", Invariant),
        f.Per(f.Counts.Get).ToString("F2", Invariant),
        f.Per(f.Counts.Head).ToString("F2", Invariant),
        f.Per(f.Counts.Put).ToString("F2", Invariant),
        f.Per(f.Counts.List).ToString("F2", Invariant),
        f.Per(f.Counts.Delete).ToString("F2", Invariant),
        f.Notes,
    });

    private static string Rate(double perSecond) => perSecond >= 1000 ? perSecond.ToString("N0", Invariant) : perSecond.ToString("F1", Invariant);
}
