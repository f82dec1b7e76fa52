namespace Sleeper.Core.Security;

/// <summary>
/// An access expression (or authorisation) that does not follow the grammar of Accumulo's access expressions.
/// The message names the expression, the character position (counted from 1) and what was wrong there, so that
/// whoever wrote the label can find the mistake without reading the grammar.
/// </summary>
public sealed class AccessExpressionException(string expression, int position, string problem)
    : SleeperException($"Access expression {Quote(expression)} at character {position}: {problem}.")
{
    /// <summary>The expression as given.</summary>
    public string Expression { get; } = expression;

    /// <summary>Where the problem is, counted in characters from 1 (one past the end for a premature end).</summary>
    public int Position { get; } = position;

    /// <summary>What was wrong, without the expression and position.</summary>
    public string Problem { get; } = problem;

    /// <summary>The expression in quotes, cut short when long, so a message stays one readable line.</summary>
    internal static string Quote(string text) =>
        "'" + (text.Length > 200 ? text[..200] + "…" : text) + "'";
}
