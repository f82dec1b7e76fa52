using System.Text;
using System.Text.Json;
using Sleeper.Core;
using Sleeper.Core.Schema;

namespace Sleeper.Cli.Output;

/// <summary>Writes result rows as JSON lines, CSV or a table, with the JSON value forms of the command-line contract.</summary>
public sealed class RowWriter : IDisposable
{
    private readonly string _format;
    private readonly IReadOnlyList<Field> _fields;
    private readonly CliContext _context;
    private readonly Stream? _stream;
    private readonly Utf8JsonWriter? _json;
    private readonly List<IReadOnlyList<string>> _tableRows = [];
    private static readonly byte[] Newline = "\n"u8.ToArray();

    public RowWriter(CliContext context, string format, IReadOnlyList<Field> fields)
    {
        _context = context;
        _format = format;
        _fields = fields;
        if (format == "jsonl")
        {
            // Straight to standard output as UTF-8 bytes when it is the console; buffered for a test's writer.
            _stream = ReferenceEquals(context.Out, Console.Out)
                ? new BufferedStream(Console.OpenStandardOutput(), 1 << 16)
                : new MemoryStream();
            _json = new Utf8JsonWriter(_stream, RowJson.WriterOptions);
        }
        else if (format == "csv")
        {
            context.Out.WriteLine(string.Join(',', fields.Select(f => Csv(f.Name))));
        }
    }

    public long Count { get; private set; }

    public void Write(Row row)
    {
        Count++;
        switch (_format)
        {
            case "jsonl":
                RowJson.WriteRow(_json!, _fields, row);
                _json!.Flush();
                _stream!.Write(Newline);
                _json.Reset();
                break;
            case "csv":
                _context.Out.WriteLine(string.Join(',', row.Values.Select(v => Csv(Text(v)))));
                break;
            default:
                _tableRows.Add(row.Values.Select(Text).ToArray());
                break;
        }
    }

    public void Dispose()
    {
        if (_format == "table")
        {
            Render.Table(_context, _fields.Select(f => f.Name).ToList(), _tableRows);
        }
        if (_stream is not null)
        {
            _json!.Dispose();
            if (_stream is MemoryStream memory)
            {
                _context.Out.Write(Encoding.UTF8.GetString(memory.ToArray()));
            }
            else
            {
                _stream.Flush();
            }
            _stream.Dispose();
        }
        _context.Out.Flush();
    }

    /// <summary>A value in the JSON form of the command-line contract, which <see cref="RowJson"/> holds for the CLI and the server alike.</summary>
    public static void WriteValue(Utf8JsonWriter json, object? value) => RowJson.WriteValue(json, value);

    /// <summary>A value as text for CSV and tables: primitives plainly, byte arrays in base64, lists and maps as JSON.</summary>
    public static string Text(object? value)
    {
        switch (value)
        {
            case null:
                return "";
            case System.Collections.IList or System.Collections.IDictionary when value is not byte[] and not string:
                using (var buffer = new MemoryStream())
                {
                    using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
                    {
                        WriteValue(w, value);
                    }
                    return Encoding.UTF8.GetString(buffer.ToArray());
                }
            default:
                return Core.Keys.KeyValues.Format(value);
        }
    }

    private static string Csv(string s) =>
        s.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? "\"" + s.Replace("\"", "\"\"") + "\"" : s;
}
