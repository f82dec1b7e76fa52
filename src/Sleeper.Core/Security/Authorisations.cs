using System.Collections;
using System.Text;

namespace Sleeper.Core.Security;

/// <summary>
/// The labels a caller holds, which decide the rows of a table with a visibility field that it may see. Each
/// is a non-empty string of Unicode characters, compared ordinally with the (unquoted, unescaped) labels of
/// access expressions. Where there is an authenticated user, its authorisations come from its credential and
/// never from what it asks for.
/// </summary>
public sealed class Authorisations : IReadOnlyCollection<string>
{
    /// <summary>No authorisations: sees only rows whose expression is empty.</summary>
    public static readonly Authorisations None = new([]);

    private readonly HashSet<string> _labels;

    /// <summary>Throws <see cref="AuthorisationsException"/> if a label is empty or not Unicode text.</summary>
    public Authorisations(IEnumerable<string> labels)
    {
        _labels = new HashSet<string>(StringComparer.Ordinal);
        var index = 0;
        foreach (var label in labels)
        {
            index++;
            Check(label, index);
            _labels.Add(label);
        }
    }

    public int Count => _labels.Count;

    public bool Contains(string label) => _labels.Contains(label);

    /// <summary>
    /// Authorisations written as a comma-separated list, as <c>--auths</c> takes them: each either a label of the
    /// characters an unquoted label may have (<c>A-Z a-z 0-9 _ - . : /</c>), or a label in double quotes with
    /// <c>\"</c> and <c>\\</c> escaped, exactly as it would be written in an access expression. White space
    /// around an entry is ignored; an empty list (or only white space) is no authorisations.
    /// </summary>
    public static Authorisations Parse(string list)
    {
        ArgumentNullException.ThrowIfNull(list);
        var labels = new List<string>();
        if (string.IsNullOrWhiteSpace(list))
        {
            return None;
        }
        var position = 0;
        while (true)
        {
            while (position < list.Length && char.IsWhiteSpace(list[position]))
            {
                position++;
            }
            var start = position;
            if (position < list.Length && list[position] == '"')
            {
                var label = new StringBuilder();
                position++;
                while (true)
                {
                    if (position >= list.Length)
                    {
                        throw Error(list, start, "the quoted authorisation is not closed with '\"'");
                    }
                    var c = list[position];
                    if (c == '"')
                    {
                        position++;
                        break;
                    }
                    if (c == '\\')
                    {
                        if (position + 1 >= list.Length || list[position + 1] is not ('"' or '\\'))
                        {
                            throw Error(list, position, "'\\' in a quoted authorisation must be followed by '\"' or '\\'");
                        }
                        c = list[position + 1];
                        position++;
                    }
                    label.Append(c);
                    position++;
                }
                if (label.Length == 0)
                {
                    throw Error(list, start, "an empty quoted authorisation \"\"");
                }
                labels.Add(label.ToString());
            }
            else
            {
                while (position < list.Length && AccessExpression.IsUnquotedLabelChar(list[position]))
                {
                    position++;
                }
                if (position == start)
                {
                    throw position >= list.Length || list[position] == ','
                        ? Error(list, start, "an empty authorisation (two commas together, or a comma at an end)")
                        : NotAllowed(list, position);
                }
                labels.Add(list[start..position]);
                if (position < list.Length && list[position] != ',' && !char.IsWhiteSpace(list[position]))
                {
                    throw NotAllowed(list, position);
                }
            }
            while (position < list.Length && char.IsWhiteSpace(list[position]))
            {
                position++;
            }
            if (position >= list.Length)
            {
                break;
            }
            if (list[position] != ',')
            {
                throw Error(list, position, "expected ',' between authorisations");
            }
            position++;
        }
        return new Authorisations(labels);
    }

    public IEnumerator<string> GetEnumerator() => _labels.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>The labels sorted, each as an expression would write it, comma-separated.</summary>
    public override string ToString() =>
        string.Join(",", _labels.Order(StringComparer.Ordinal).Select(AccessExpression.QuoteIfNeeded));

    private static void Check(string label, int index)
    {
        if (label is null || label.Length == 0)
        {
            throw new AuthorisationsException($"Authorisation {index} is empty; an authorisation must have at least one character.");
        }
        for (var i = 0; i < label.Length; i++)
        {
            if (char.IsHighSurrogate(label[i]) && i + 1 < label.Length && char.IsLowSurrogate(label[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(label[i]))
            {
                throw new AuthorisationsException($"Authorisation {index} holds half of a surrogate pair at character {i + 1}, which is not a Unicode character.");
            }
        }
    }

    private static AuthorisationsException NotAllowed(string list, int position)
    {
        var c = list[position];
        var shown = char.IsControl(c) ? $"U+{(int)c:X4}" : $"'{c}'";
        return Error(list, position, $"{shown} may not appear in an unquoted authorisation (only A-Z, a-z, 0-9, _, -, ., : and /); "
            + "quote it as in an access expression, e.g. \"my label\"");
    }

    private static AuthorisationsException Error(string list, int position, string problem) =>
        new($"Authorisations {AccessExpressionException.Quote(list)} at character {position + 1}: {problem}.");
}

/// <summary>Authorisations that are not a list of labels.</summary>
public sealed class AuthorisationsException(string message) : SleeperException(message);
