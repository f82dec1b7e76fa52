using System.Text.Json;
using System.Text.Json.Nodes;
using Spectre.Console;

namespace Sleeper.Cli.Output;

/// <summary>Writes results as a table for people or JSON for programs.</summary>
public static class Render
{
    public static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    private const int PipedWidth = 1000;

    public static IAnsiConsole ConsoleFor(TextWriter writer, bool terminal) => AnsiConsole.Create(new AnsiConsoleSettings
    {
        Out = new AnsiConsoleOutput(writer),
        Ansi = terminal ? AnsiSupport.Detect : AnsiSupport.No,
        ColorSystem = terminal ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
        Interactive = InteractionSupport.No,
    });

    public static void Table(CliContext context, IReadOnlyList<string> headers, IEnumerable<IReadOnlyList<string>> rows)
    {
        var table = new Table().Border(TableBorder.Rounded);
        foreach (var h in headers)
        {
            table.AddColumn(new TableColumn(Markup.Escape(h)));
        }
        foreach (var row in rows)
        {
            table.AddRow(row.Select(c => new Text(c)).ToArray());
        }
        var console = ConsoleFor(context.Out, context.OutputIsTerminal);
        if (!context.OutputIsTerminal)
        {
            // Piped, there is no screen to fit: at Spectre's default of 80 columns, long ids and regions would
            // wrap inside their cells and break every line a script might grep.
            console.Profile.Width = PipedWidth;
        }
        console.Write(table);
    }

    public static void Json(CliContext context, JsonNode? node) =>
        context.Out.WriteLine(node?.ToJsonString(Indented) ?? "null");

    /// <summary>Parses --format, naming the allowed values when it is wrong.</summary>
    public static string Format(string? given, string defaultFormat, params string[] allowed)
    {
        var format = (given ?? defaultFormat).ToLowerInvariant();
        if (!allowed.Contains(format))
        {
            throw new UsageException($"--format {given} is not supported here; use one of {string.Join(", ", allowed)}.");
        }
        return format;
    }
}
