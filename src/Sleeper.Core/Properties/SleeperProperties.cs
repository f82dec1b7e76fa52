using System.Globalization;
using System.Text;

namespace Sleeper.Core.Properties;

/// <summary>
/// A set of properties checked against their definitions: setting an unknown property or a value that does
/// not parse throws a <see cref="PropertyException"/> naming it. Stored in Java's properties-file form.
/// </summary>
public sealed class SleeperProperties
{
    private readonly Dictionary<string, PropertyDefinition> _definitions;
    private readonly SortedDictionary<string, string> _values = new(StringComparer.Ordinal);

    public SleeperProperties(IEnumerable<PropertyDefinition> definitions)
    {
        _definitions = definitions.ToDictionary(d => d.Name, StringComparer.Ordinal);
    }

    public static SleeperProperties ForTable() => new(TableProperty.All);

    public static SleeperProperties ForInstance() => new(InstanceProperty.All);

    public IEnumerable<PropertyDefinition> Definitions => _definitions.Values;

    /// <summary>Values set explicitly (not defaults).</summary>
    public IReadOnlyDictionary<string, string> SetValues => _values;

    public void Set(string name, string value)
    {
        var definition = Definition(name);
        value = value.Trim();
        definition.Validate(value);
        _values[name] = value;
    }

    public void Unset(string name)
    {
        Definition(name);
        _values.Remove(name);
    }

    public string? Get(PropertyDefinition definition) => _values.TryGetValue(definition.Name, out var v) ? v : definition.DefaultValue;

    public string? Get(string name) => Get(Definition(name));

    public int GetInt(PropertyDefinition d) => int.Parse(Get(d)!, CultureInfo.InvariantCulture);

    public long GetLong(PropertyDefinition d) => long.Parse(Get(d)!, CultureInfo.InvariantCulture);

    /// <summary>A size property in bytes ("256M" is 268435456).</summary>
    public long GetBytes(PropertyDefinition d) => PropertyDefinition.ParseByteSize(Get(d)!)
        ?? throw new PropertyException($"Property {d.Name}: '{Get(d)}' is not a size in bytes.");

    public bool GetBool(PropertyDefinition d) => bool.Parse(Get(d)!);

    public PropertyDefinition Definition(string name) => _definitions.TryGetValue(name, out var d) ? d
        : throw new PropertyException($"Unknown property '{name}'.{Suggest(name, _definitions.Keys)}");

    public bool IsDefined(string name) => _definitions.ContainsKey(name);

    /// <summary>Parses "K=V" as given on a command line.</summary>
    public void SetFromAssignment(string assignment)
    {
        var eq = assignment.IndexOf('=');
        if (eq <= 0)
        {
            throw new PropertyException($"'{assignment}' is not of the form property.name=value.");
        }
        Set(assignment[..eq].Trim(), assignment[(eq + 1)..]);
    }

    /// <summary>Loads Java properties text: key=value or key: value lines, # and ! comments.</summary>
    public void Load(string text, string source)
    {
        foreach (var (lineNumber, name, value) in Parse(text, source))
        {
            try
            {
                Set(name, value);
            }
            catch (PropertyException e)
            {
                throw new PropertyException($"{source} line {lineNumber}: {e.Message}");
            }
        }
    }

    /// <summary>The assignments of Java properties text, with their line numbers, unchecked.</summary>
    public static IEnumerable<(int LineNumber, string Name, string Value)> Parse(string text, string source)
    {
        var lineNumber = 0;
        foreach (var raw in text.Split('\n'))
        {
            lineNumber++;
            var line = raw.Trim();
            if (line.Length == 0 || line[0] is '#' or '!')
            {
                continue;
            }
            var sep = line.IndexOfAny(['=', ':']);
            if (sep <= 0)
            {
                throw new PropertyException($"{source} line {lineNumber}: '{line}' is not of the form property.name=value.");
            }
            yield return (lineNumber, line[..sep].Trim(), line[(sep + 1)..]);
        }
    }

    public string Save()
    {
        var sb = new StringBuilder();
        foreach (var (k, v) in _values)
        {
            sb.Append(k).Append('=').Append(v).Append('\n');
        }
        return sb.ToString();
    }

    public SleeperProperties Copy()
    {
        var copy = new SleeperProperties(_definitions.Values);
        foreach (var (k, v) in _values)
        {
            copy._values[k] = v;
        }
        return copy;
    }

    /// <summary>" Did you mean 'x'?" for the candidate closest to a misspelt name, or "" when none is close.</summary>
    internal static string Suggest(string name, IEnumerable<string> candidates)
    {
        var limit = Math.Max(3, name.Length / 5);
        // Names whose lengths differ by more than the limit are further apart than it; skipping them keeps a
        // huge mistaken name (a pasted line) from costing a distance computation against every property.
        var close = candidates
            .Where(k => Math.Abs(k.Length - name.Length) <= limit)
            .Select(k => (k, d: Distance(k, name)))
            .Where(x => x.d <= limit)
            .OrderBy(x => x.d).Select(x => x.k).FirstOrDefault();
        return close is null ? "" : $" Did you mean '{close}'?";
    }

    private static int Distance(string a, string b)
    {
        var d = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
        {
            d[j] = j;
        }
        for (var i = 1; i <= a.Length; i++)
        {
            var prev = d[0];
            d[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var tmp = d[j];
                d[j] = Math.Min(Math.Min(d[j] + 1, d[j - 1] + 1), prev + (a[i - 1] == b[j - 1] ? 0 : 1));
                prev = tmp;
            }
        }
        return d[b.Length];
    }
}
