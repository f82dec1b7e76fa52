using System.Text;

namespace Sleeper.Core.Security;

/// <summary>
/// A parsed access expression, in the syntax and semantics of Apache Accumulo's access expressions (the
/// specification of the apache/accumulo-access project): labels joined by <c>&amp;</c> (all of them) or
/// <c>|</c> (any of them), grouped by parentheses. A label is either unquoted, of the characters
/// <c>A-Z a-z 0-9 _ - . : /</c>, or in double quotes, where any character may appear and <c>"</c> and
/// <c>\</c> are escaped as <c>\"</c> and <c>\\</c>. The empty expression is visible to everyone. Mixing
/// <c>&amp;</c> and <c>|</c> at one level without parentheses is an error, as are empty labels, empty
/// parentheses and white space, so that an expression means exactly one thing.
/// </summary>
/// <remarks>
/// Parentheses may nest at most <see cref="MaxDepth"/> deep: the parser and evaluator recurse, and an
/// expression from a row must never be able to exhaust the stack of a query.
/// </remarks>
public sealed class AccessExpression
{
    /// <summary>How deeply parentheses may nest.</summary>
    public const int MaxDepth = 200;

    /// <summary>The empty expression: visible to everyone, whatever their authorisations.</summary>
    public static readonly AccessExpression Empty = new("", null);

    private readonly Node? _root;

    private AccessExpression(string text, Node? root)
    {
        Text = text;
        _root = root;
    }

    /// <summary>The expression as it was written.</summary>
    public string Text { get; }

    /// <summary>Whether this is the empty expression, which everyone may see.</summary>
    public bool IsEmpty => _root is null;

    /// <summary>Every label the expression names, unquoted and unescaped, each once.</summary>
    public IReadOnlySet<string> Labels
    {
        get
        {
            var labels = new HashSet<string>(StringComparer.Ordinal);
            _root?.CollectLabels(labels);
            return labels;
        }
    }

    /// <summary>Parses an expression; throws <see cref="AccessExpressionException"/> naming the position and the problem.</summary>
    public static AccessExpression Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length == 0)
        {
            return Empty;
        }
        return new AccessExpression(text, new Parser(text).ParseWhole());
    }

    /// <summary>Parses an expression, or gives the error that <see cref="Parse"/> would throw.</summary>
    public static bool TryParse(string text, out AccessExpression expression, out AccessExpressionException? error)
    {
        try
        {
            expression = Parse(text);
            error = null;
            return true;
        }
        catch (AccessExpressionException e)
        {
            expression = Empty;
            error = e;
            return false;
        }
    }

    /// <summary>Whether someone holding the authorisations may see what this expression labels.</summary>
    public bool IsVisibleTo(Authorisations authorisations) => _root is null || _root.Evaluate(authorisations);

    /// <summary>A label as it must be written in an expression: as it is if it needs no quotes, otherwise quoted and escaped.</summary>
    public static string QuoteIfNeeded(string label)
    {
        ArgumentNullException.ThrowIfNull(label);
        if (label.Length > 0 && label.All(IsUnquotedLabelChar))
        {
            return label;
        }
        return "\"" + label.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
    }

    /// <summary>The characters a label may have without quotes (ASCII letters and digits, and <c>_ - . : /</c>).</summary>
    public static bool IsUnquotedLabelChar(char c) =>
        c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9') or '_' or '-' or '.' or ':' or '/';

    public override string ToString() => Text;

    private abstract class Node
    {
        public abstract bool Evaluate(Authorisations authorisations);

        public abstract void CollectLabels(HashSet<string> labels);
    }

    private sealed class Label(string value) : Node
    {
        public override bool Evaluate(Authorisations authorisations) => authorisations.Contains(value);

        public override void CollectLabels(HashSet<string> labels) => labels.Add(value);
    }

    private sealed class And(Node[] children) : Node
    {
        public override bool Evaluate(Authorisations authorisations)
        {
            foreach (var child in children)
            {
                if (!child.Evaluate(authorisations))
                {
                    return false;
                }
            }
            return true;
        }

        public override void CollectLabels(HashSet<string> labels)
        {
            foreach (var child in children)
            {
                child.CollectLabels(labels);
            }
        }
    }

    private sealed class Or(Node[] children) : Node
    {
        public override bool Evaluate(Authorisations authorisations)
        {
            foreach (var child in children)
            {
                if (child.Evaluate(authorisations))
                {
                    return true;
                }
            }
            return false;
        }

        public override void CollectLabels(HashSet<string> labels)
        {
            foreach (var child in children)
            {
                child.CollectLabels(labels);
            }
        }
    }

    /// <summary>
    /// Recursive descent over the grammar
    /// <c>expression = term ( 1*("&amp;" term) / 1*("|" term) )?</c>, <c>term = label / "(" expression ")"</c>.
    /// </summary>
    private sealed class Parser(string text)
    {
        private int _position;

        public Node ParseWhole()
        {
            var root = ParseExpression(0);
            if (_position < text.Length)
            {
                // ParseExpression stops only at the end or at a ')' it was not asked to close.
                throw Error(_position, "')' has no matching '('");
            }
            return root;
        }

        private Node ParseExpression(int depth)
        {
            var first = ParseTerm(depth);
            if (AtEnd || text[_position] == ')')
            {
                return first;
            }
            var op = text[_position];
            if (op is not ('&' or '|'))
            {
                throw UnexpectedAfterTerm();
            }
            var children = new List<Node> { first };
            var opPosition = _position;
            while (!AtEnd && text[_position] is '&' or '|')
            {
                if (text[_position] != op)
                {
                    throw Error(_position, $"'{text[_position]}' follows '{op}' (at character {opPosition + 1}) without parentheses; "
                        + "'&' and '|' may not be mixed at one level, so group them, e.g. (A&B)|C");
                }
                _position++;
                children.Add(ParseTerm(depth));
            }
            if (!AtEnd && text[_position] != ')')
            {
                throw UnexpectedAfterTerm();
            }
            return op == '&' ? new And([.. children]) : new Or([.. children]);
        }

        private Node ParseTerm(int depth)
        {
            if (AtEnd)
            {
                throw Error(_position, _position == 0 ? "expected a label or '('" : $"expected a label or '(' after '{text[_position - 1]}', but the expression ends");
            }
            var c = text[_position];
            if (c == '(')
            {
                if (depth >= MaxDepth)
                {
                    throw Error(_position, $"parentheses nest more than {MaxDepth} deep");
                }
                var open = _position;
                _position++;
                if (!AtEnd && text[_position] == ')')
                {
                    throw Error(_position, "empty parentheses '()'; put an expression inside them or remove them");
                }
                var inner = ParseExpression(depth + 1);
                if (AtEnd)
                {
                    throw Error(_position, $"'(' at character {open + 1} is not closed");
                }
                _position++; // the ')'
                return inner;
            }
            if (c == '"')
            {
                return ParseQuoted();
            }
            if (IsUnquotedLabelChar(c))
            {
                var start = _position;
                while (!AtEnd && IsUnquotedLabelChar(text[_position]))
                {
                    _position++;
                }
                return new Label(text[start.._position]);
            }
            throw c switch
            {
                ')' => Error(_position, "expected a label or '(' but found ')'"),
                '&' or '|' => Error(_position, _position == 0
                    ? $"the expression starts with '{c}'; it must start with a label or '('"
                    : $"expected a label or '(' but found '{c}'"),
                _ => NotALabelChar(_position),
            };
        }

        private Label ParseQuoted()
        {
            var open = _position;
            _position++;
            var label = new StringBuilder();
            while (true)
            {
                if (AtEnd)
                {
                    throw Error(_position, $"the quoted label starting at character {open + 1} is not closed with '\"'");
                }
                var c = text[_position];
                if (c == '"')
                {
                    _position++;
                    break;
                }
                if (c == '\\')
                {
                    if (_position + 1 >= text.Length || text[_position + 1] is not ('"' or '\\'))
                    {
                        throw Error(_position, "'\\' in a quoted label must be followed by '\"' or '\\' (write \\\\ for a backslash)");
                    }
                    label.Append(text[_position + 1]);
                    _position += 2;
                    continue;
                }
                if (char.IsSurrogate(c))
                {
                    if (!char.IsHighSurrogate(c) || _position + 1 >= text.Length || !char.IsLowSurrogate(text[_position + 1]))
                    {
                        throw Error(_position, "a quoted label holds half of a surrogate pair, which is not a Unicode character");
                    }
                    label.Append(c).Append(text[_position + 1]);
                    _position += 2;
                    continue;
                }
                label.Append(c);
                _position++;
            }
            if (label.Length == 0)
            {
                throw Error(open, "empty quoted label \"\"; a label must have at least one character");
            }
            return new Label(label.ToString());
        }

        private bool AtEnd => _position >= text.Length;

        private AccessExpressionException UnexpectedAfterTerm()
        {
            var c = text[_position];
            return c switch
            {
                '(' => Error(_position, "expected '&', '|' or ')' but found '('"),
                '"' => Error(_position, "expected '&', '|' or ')' but found '\"'; labels must be joined by an operator"),
                _ when IsUnquotedLabelChar(c) => Error(_position, $"expected '&', '|' or ')' but found '{c}'"),
                _ => NotALabelChar(_position),
            };
        }

        private AccessExpressionException NotALabelChar(int position)
        {
            var c = text[position];
            var shown = char.IsWhiteSpace(c) || char.IsControl(c) ? $"U+{(int)c:X4}" : $"'{c}'";
            return Error(position, $"{shown} may not appear outside quotes (unquoted labels take only A-Z, a-z, 0-9, _, -, ., : and /); "
                + "put such a label in double quotes, e.g. \"my label\"");
        }

        private AccessExpressionException Error(int position, string problem) => new(text, position + 1, problem);
    }
}
