using System.Text.RegularExpressions;

namespace Sleeper.Core.Tables;

/// <summary>The rule for table names: letters, digits, '_', '-' and '.', starting with a letter or digit.</summary>
public static partial class TableNames
{
    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}\z")]
    private static partial Regex Pattern();

    public static void Validate(string name)
    {
        if (!Pattern().IsMatch(name))
        {
            throw new SleeperException($"'{name}' is not a valid table name: use up to 128 letters, digits, '_', '-' or '.', starting with a letter or digit.");
        }
    }
}
