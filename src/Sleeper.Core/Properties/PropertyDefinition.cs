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
