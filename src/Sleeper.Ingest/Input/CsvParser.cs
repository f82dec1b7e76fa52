using System.Text;

namespace Sleeper.Ingest.Input;

/// <summary>Splits RFC 4180 CSV into records: comma-separated, fields optionally in double quotes ("" escapes a quote, quoted fields may span lines).</summary>
public sealed class CsvParser(TextReader reader)
{
    private readonly StringBuilder _field = new();

    /// <summary>The line number the last record started on (1-based).</summary>
    public long LineNumber { get; private set; }

    private long _currentLine = 1;

    public List<string>? ReadRecord()
    {
        var c = reader.Read();
        while (c is '\n' or '\r')
        {
            if (c == '\n')
            {
                _currentLine++;
            }
            c = reader.Read();
        }
        if (c < 0)
        {
            return null;
        }
        LineNumber = _currentLine;
        var record = new List<string>();
        _field.Clear();
        var inQuotes = false;
        var quoted = false;
        while (true)
        {
            if (c < 0)
            {
                if (inQuotes)
                {
                    throw new FormatException($"line {LineNumber}: a quoted field is not closed before the end of the input.");
                }
                record.Add(_field.ToString());
                return record;
            }
            var ch = (char)c;
            if (inQuotes)
            {
                if (ch == '"')
                {
                    if (reader.Peek() == '"')
                    {
                        reader.Read();
                        _field.Append('"');
                    }
                    else
                    {
                        inQuotes = false;
                    }
                }
                else
                {
                    if (ch == '\n')
                    {
                        _currentLine++;
                    }
                    _field.Append(ch);
                }
            }
            else if (ch == ',')
            {
                record.Add(_field.ToString());
                _field.Clear();
                quoted = false;
            }
            else if (ch == '\n' || ch == '\r')
            {
                if (ch == '\r' && reader.Peek() == '\n')
                {
                    reader.Read();
                }
                _currentLine++;
                record.Add(_field.ToString());
                return record;
            }
            else if (ch == '"' && _field.Length == 0 && !quoted)
            {
                inQuotes = true;
                quoted = true;
            }
            else
            {
                _field.Append(ch);
            }
            c = reader.Read();
        }
    }
}
