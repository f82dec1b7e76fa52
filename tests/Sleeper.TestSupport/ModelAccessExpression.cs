namespace Sleeper.TestSupport;

/// <summary>
/// An access expression as a tree, evaluated directly and never parsed: the model the visibility tests check the
/// real parser and evaluator against. <see cref="Write"/> turns it into text with labels quoted where they must be
/// (and at random where they need not be) and random redundant parentheses, so the text means exactly the tree.
/// </summary>
public abstract record ModelAccessExpression
{
    /// <summary>A random tree of labels from the pool, at most four levels deep.</summary>
    public static ModelAccessExpression Random(Random random, IReadOnlyList<string> pool, int depth = 0)
    {
        if (depth >= 4 || random.Next(3) == 0)
        {
            return new Label(pool[random.Next(pool.Count)]);
        }
        var children = Enumerable.Range(0, random.Next(2, 5)).Select(_ => Random(random, pool, depth + 1)).ToList();
        return random.Next(2) == 0 ? new All(children) : new Any(children);
    }

    public abstract bool Evaluate(ISet<string> auths);

    public abstract IEnumerable<string> Labels();

    /// <summary>The expression as text, in one of many equivalent spellings chosen at random.</summary>
    public string Write(Random random) => Write(random, topLevel: true);

    protected abstract string Write(Random random, bool topLevel);

    public sealed record Label(string Name) : ModelAccessExpression
    {
        public override bool Evaluate(ISet<string> auths) => auths.Contains(Name);

        public override IEnumerable<string> Labels() => [Name];

        protected override string Write(Random random, bool topLevel)
        {
            var plain = Name.Length > 0 && Name.All(c => c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9') or '_' or '-' or '.' or ':' or '/');
            var text = plain && random.Next(4) != 0 ? Name : "\"" + Name.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";
            return random.Next(6) == 0 ? $"({text})" : text;
        }
    }

    public sealed record All(List<ModelAccessExpression> Children) : ModelAccessExpression
    {
        public override bool Evaluate(ISet<string> auths) => Children.All(c => c.Evaluate(auths));

        public override IEnumerable<string> Labels() => Children.SelectMany(c => c.Labels());

        protected override string Write(Random random, bool topLevel) => Join(random, topLevel, "&", Children);
    }

    public sealed record Any(List<ModelAccessExpression> Children) : ModelAccessExpression
    {
        public override bool Evaluate(ISet<string> auths) => Children.Any(c => c.Evaluate(auths));

        public override IEnumerable<string> Labels() => Children.SelectMany(c => c.Labels());

        protected override string Write(Random random, bool topLevel) => Join(random, topLevel, "|", Children);
    }

    private static string Join(Random random, bool topLevel, string op, List<ModelAccessExpression> children)
    {
        // Child operators always get parentheses: an And inside an Or (or the reverse) must, and one of the same
        // kind may, so the model's grouping is exactly the text's.
        var text = string.Join(op, children.Select(c => c is Label ? c.Write(random, false) : "(" + c.Write(random, false) + ")"));
        return topLevel && random.Next(4) == 0 ? $"({text})" : text;
    }
}
