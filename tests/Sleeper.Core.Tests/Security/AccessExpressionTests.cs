using System.Text;
using Sleeper.Core.Security;
using Sleeper.TestSupport;

namespace Sleeper.Core.Tests.Security;

/// <summary>
/// Access expressions against a hand-written truth table, malformed expressions against the position and problem
/// they must report, and random expressions against an independent model (a tree evaluated directly, written out
/// as text with random quoting and parentheses).
/// </summary>
public sealed class AccessExpressionTests
{
    /// <summary>The authorisation sets of the truth table, by number.</summary>
    private static readonly string[][] AuthSets =
    [
        [],                                              // 0
        ["A"],                                           // 1
        ["B"],                                           // 2
        ["A", "B"],                                      // 3
        ["A", "B", "C"],                                 // 4
        ["C"],                                           // 5
        ["a b", "x\"y", "back\\slash", "中文", "A&B"],   // 6: labels that need quotes
        ["A-1_b.c:d/e"],                                 // 7: every unquoted label character
    ];

    /// <summary>Expression, then the numbers of the authorisation sets that may see it (written by hand).</summary>
    public static TheoryData<string, int[]> TruthTable => new()
    {
        { "", [0, 1, 2, 3, 4, 5, 6, 7] },
        { "A", [1, 3, 4] },
        { "a", [] },
        { "A&B", [3, 4] },
        { "A|B", [1, 2, 3, 4] },
        { "A&B&C", [4] },
        { "A|B|C", [1, 2, 3, 4, 5] },
        { "(A|B)&C", [4] },
        { "A&(B|C)", [3, 4] },
        { "(A&B)|C", [3, 4, 5] },
        { "B|(A&C)", [2, 3, 4] },
        { "(A)", [1, 3, 4] },
        { "((A))", [1, 3, 4] },
        { "A&A", [1, 3, 4] },
        { "(A&B)|(C&D)", [3, 4] },
        { "((A|B)&(B|C))|D", [2, 3, 4] },
        { "\"A\"", [1, 3, 4] },
        { "\"a b\"", [6] },
        { "\"x\\\"y\"", [6] },
        { "\"back\\\\slash\"", [6] },
        { "\"中文\"", [6] },
        { "\"A&B\"", [6] },
        { "\"a b\"|A", [1, 3, 4, 6] },
        { "\"a b\"&A", [] },
        { "A-1_b.c:d/e", [7] },
        { "\"A-1_b.c:d/e\"&(A-1_b.c:d/e|Z)", [7] },
    };

    [Theory]
    [MemberData(nameof(TruthTable))]
    public void Each_expression_is_visible_to_exactly_the_authorisation_sets_of_the_truth_table(string text, int[] visibleTo)
    {
        var expression = AccessExpression.Parse(text);
        for (var set = 0; set < AuthSets.Length; set++)
        {
            var authorisations = new Authorisations(AuthSets[set]);
            var expected = visibleTo.Contains(set);
            Assert.True(expected == expression.IsVisibleTo(authorisations), $"{text} with {{{string.Join(",", AuthSets[set])}}}: expected {expected}");
            // The evaluator on UTF-8 bytes agrees, the first time and from its memory.
            var evaluator = new VisibilityEvaluator(authorisations);
            Assert.Equal(expected, evaluator.CanSee(Encoding.UTF8.GetBytes(text)));
            Assert.Equal(expected, evaluator.CanSee(Encoding.UTF8.GetBytes(text)));
        }
    }

    /// <summary>A malformed expression, where the error must point (from 1), and words the message must hold.</summary>
    public static TheoryData<string, int, string> Malformed => new()
    {
        { "&A", 1, "starts with '&'" },
        { "|A", 1, "starts with '|'" },
        { "A&", 3, "the expression ends" },
        { "A|", 3, "the expression ends" },
        { "A|B&C", 4, "without parentheses" },
        { "A&B|C", 4, "without parentheses" },
        { "(A|B)&C|D", 8, "without parentheses" },
        { "A&&B", 3, "expected a label or '(' but found '&'" },
        { "A||B", 3, "expected a label or '(' but found '|'" },
        { "()", 2, "empty parentheses" },
        { "A&()", 4, "empty parentheses" },
        { "(A", 3, "'(' at character 1 is not closed" },
        { "A&(B|C", 7, "'(' at character 3 is not closed" },
        { "A)", 2, "')' has no matching '('" },
        { ")", 1, "found ')'" },
        { "(A)(B)", 4, "expected '&', '|' or ')' but found '('" },
        { "A\"B\"", 2, "labels must be joined by an operator" },
        { "A B", 2, "U+0020 may not appear outside quotes" },
        { " A", 1, "U+0020 may not appear outside quotes" },
        { "A!B", 2, "'!' may not appear outside quotes" },
        { "ü", 1, "'ü' may not appear outside quotes" },
        { "\"\"", 1, "empty quoted label" },
        { "A|\"\"", 3, "empty quoted label" },
        { "\"abc", 5, "quoted label starting at character 1 is not closed" },
        { "\"a\\b\"", 3, "must be followed by '\"' or '\\'" },
        { "\"a\\", 3, "must be followed by '\"' or '\\'" },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public void A_malformed_expression_is_rejected_naming_the_position_and_the_problem(string text, int position, string problem)
    {
        var error = Assert.Throws<AccessExpressionException>(() => AccessExpression.Parse(text));
        Assert.Equal(position, error.Position);
        Assert.Contains(problem, error.Message);
        Assert.Contains($"at character {position}", error.Message);
        Assert.StartsWith($"Access expression '{text}'", error.Message);
        // Nobody sees rows carrying it.
        Assert.False(new VisibilityEvaluator(new Authorisations(["A", "B", "C", "D"])).CanSee(text));
    }

    [Fact]
    public void Half_a_surrogate_pair_in_a_quoted_label_is_not_a_label()
    {
        var error = Assert.Throws<AccessExpressionException>(() => AccessExpression.Parse("\"\ud800\""));
        Assert.Equal(2, error.Position);
        Assert.Contains("surrogate", error.Message);
    }

    [Fact]
    public void Parentheses_nested_too_deeply_are_an_error_not_a_stack_overflow()
    {
        var deep = new string('(', 100_000) + "A" + new string(')', 100_000);
        var error = Assert.Throws<AccessExpressionException>(() => AccessExpression.Parse(deep));
        Assert.Contains($"nest more than {AccessExpression.MaxDepth} deep", error.Message);
        var allowed = new string('(', AccessExpression.MaxDepth) + "A" + new string(')', AccessExpression.MaxDepth);
        Assert.True(AccessExpression.Parse(allowed).IsVisibleTo(new Authorisations(["A"])));
    }

    [Fact]
    public void Bytes_that_are_not_UTF8_are_not_visible_to_anyone()
    {
        var evaluator = new VisibilityEvaluator(new Authorisations(["A"]));
        Assert.False(evaluator.CanSee([(byte)'A', 0xFF]));
        Assert.Equal(1, evaluator.MalformedExpressions);
        Assert.True(evaluator.CanSee(ReadOnlySpan<byte>.Empty));
    }

    [Fact]
    public void Labels_are_quoted_only_when_they_need_it_and_read_back_as_they_were()
    {
        Assert.Equal("A-1_b.c:d/e", AccessExpression.QuoteIfNeeded("A-1_b.c:d/e"));
        Assert.Equal("\"a b\"", AccessExpression.QuoteIfNeeded("a b"));
        Assert.Equal("\"x\\\"y\\\\z\"", AccessExpression.QuoteIfNeeded("x\"y\\z"));
        Assert.Equal("\"\"", AccessExpression.QuoteIfNeeded(""));
        foreach (var label in new[] { "a b", "x\"y\\z", "中文", "A&B", "tab\there" })
        {
            Assert.Equal([label], AccessExpression.Parse(AccessExpression.QuoteIfNeeded(label)).Labels);
        }
    }

    [Fact]
    public void Random_expressions_written_out_as_text_evaluate_as_the_model_tree_does()
    {
        var random = new Random(20261206);
        var pool = new[] { "A", "B", "C", "D", "e1", "a b", "q\"uote", "b\\s", "中", "x:y/z" };
        for (var i = 0; i < 3000; i++)
        {
            var model = ModelAccessExpression.Random(random, pool);
            var text = model.Write(random);
            var parsed = AccessExpression.Parse(text);
            Assert.Equal(model.Labels().ToHashSet(), parsed.Labels.ToHashSet());
            for (var j = 0; j < 8; j++)
            {
                var auths = pool.Where(_ => random.Next(3) == 0).ToList();
                var expected = model.Evaluate(auths.ToHashSet());
                Assert.True(expected == parsed.IsVisibleTo(new Authorisations(auths)), $"{text} with {{{string.Join(",", auths)}}}: expected {expected}");
                Assert.Equal(expected, new VisibilityEvaluator(new Authorisations(auths)).CanSee(text));
            }
        }
    }

    [Fact]
    public void Random_text_either_parses_or_fails_with_an_access_expression_error()
    {
        var random = new Random(7);
        const string alphabet = "AB()&|\"\\ a-é";
        var parsed = 0;
        for (var i = 0; i < 20_000; i++)
        {
            var text = new string(Enumerable.Range(0, random.Next(0, 12)).Select(_ => alphabet[random.Next(alphabet.Length)]).ToArray());
            try
            {
                AccessExpression.Parse(text);
                parsed++;
            }
            catch (AccessExpressionException e)
            {
                Assert.InRange(e.Position, 1, text.Length + 1);
            }
        }
        Assert.True(parsed > 100, $"only {parsed} random texts parsed");
    }

    [Fact]
    public void Authorisations_are_a_comma_separated_list_of_labels_written_as_in_an_expression()
    {
        Assert.Equal(["A", "B"], Authorisations.Parse("A,B").Order(StringComparer.Ordinal));
        Assert.Equal(["A", "B"], Authorisations.Parse(" A , B ").Order(StringComparer.Ordinal));
        Assert.Equal(["C", "a,b", "x\"y"], Authorisations.Parse("\"a,b\",C,\"x\\\"y\"").Order(StringComparer.Ordinal));
        Assert.Empty(Authorisations.Parse(""));
        Assert.Empty(Authorisations.Parse("  "));
        Assert.Equal("A,\"a,b\"", Authorisations.Parse("\"a,b\",A").ToString());
    }

    [Theory]
    [InlineData("A,,B", "empty authorisation", 3)]
    [InlineData("A,", "empty authorisation", 3)]
    [InlineData(",A", "empty authorisation", 1)]
    [InlineData("A B", "expected ',' between authorisations", 3)]
    [InlineData("\"a\"b", "expected ',' between authorisations", 4)]
    [InlineData("A&B", "'&' may not appear in an unquoted authorisation", 2)]
    [InlineData("\"abc", "not closed", 1)]
    [InlineData("\"\"", "empty quoted authorisation", 1)]
    [InlineData("\"a\\b\"", "must be followed by", 3)]
    public void A_malformed_authorisation_list_is_rejected_naming_the_position(string list, string problem, int position)
    {
        var error = Assert.Throws<AuthorisationsException>(() => Authorisations.Parse(list));
        Assert.Contains(problem, error.Message);
        Assert.Contains($"at character {position}", error.Message);
    }

    [Fact]
    public void An_empty_authorisation_given_directly_is_rejected()
    {
        Assert.Contains("Authorisation 2 is empty", Assert.Throws<AuthorisationsException>(() => new Authorisations(["A", ""])).Message);
        Assert.Contains("surrogate", Assert.Throws<AuthorisationsException>(() => new Authorisations(["\udc00"])).Message);
    }
}
