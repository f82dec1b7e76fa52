using System.Globalization;

namespace Sleeper.Core.Properties;

/// <summary>A known property: its name, default, a check of its values and what it is for.</summary>
public sealed record PropertyDefinition(string Name, string? DefaultValue, string Description, Func<string, string?> Check)
{
    /// <summary>Throws <see cref="PropertyException"/> naming the property if the value does not parse.</summary>
    public void Validate(string value)
    {
        if (Check(value) is { } problem)
        {
            throw new PropertyException($"Property {Name}: '{value}' {problem}.");
        }
    }

    public static PropertyDefinition PositiveInt(string name, int defaultValue, string description) =>
        new(name, defaultValue.ToString(CultureInfo.InvariantCulture), description,
            v => int.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out var i) && i > 0 ? null : "is not a positive whole number");

    public static PropertyDefinition PositiveLong(string name, long defaultValue, string description) =>
        new(name, defaultValue.ToString(CultureInfo.InvariantCulture), description,
            v => long.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out var i) && i > 0 ? null : "is not a positive whole number");

    /// <summary>A size in bytes, written as a number with an optional K, M, G or T suffix (powers of 1024), as Sleeper's are.</summary>
    public static PropertyDefinition ByteSize(string name, long defaultValue, string description) =>
        new(name, defaultValue.ToString(CultureInfo.InvariantCulture), description,
            v => ParseByteSize(v) is > 0 ? null : "is not a positive size in bytes (a number, optionally followed by K, M, G or T)");

    /// <summary>Parses "256M", "1G", "1048576"; null if the text is not a size.</summary>
    public static long? ParseByteSize(string value)
    {
        value = value.Trim();
        if (value.Length == 0)
        {
            return null;
        }
        var multiplier = char.ToUpperInvariant(value[^1]) switch
        {
            'K' => 1L << 10,
            'M' => 1L << 20,
            'G' => 1L << 30,
            'T' => 1L << 40,
            _ => 1L,
        };
        var digits = multiplier == 1 ? value : value[..^1];
        return long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n <= long.MaxValue / multiplier ? n * multiplier : null;
    }

    public static PropertyDefinition NonNegativeInt(string name, int defaultValue, string description) =>
        new(name, defaultValue.ToString(CultureInfo.InvariantCulture), description,
            v => int.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out var i) && i >= 0 ? null : "is not a whole number of zero or more");

    public static PropertyDefinition Boolean(string name, bool defaultValue, string description) =>
        new(name, defaultValue ? "true" : "false", description,
            v => v.Equals("true", StringComparison.OrdinalIgnoreCase) || v.Equals("false", StringComparison.OrdinalIgnoreCase) ? null : "is not true or false");

    public static PropertyDefinition OneOf(string name, string defaultValue, string description, params string[] allowed) =>
        new(name, defaultValue, description,
            v => allowed.Contains(v, StringComparer.OrdinalIgnoreCase) ? null : $"is not one of {string.Join(", ", allowed)}");

    public static PropertyDefinition Text(string name, string? defaultValue, string description) =>
        new(name, defaultValue, description, _ => null);
}
