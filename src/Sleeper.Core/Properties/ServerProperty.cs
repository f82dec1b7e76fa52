namespace Sleeper.Core.Properties;

/// <summary>Instance properties of the server of sleeper serve: listening, anonymous access and request limits.</summary>
public static class ServerProperty
{
    public static readonly IReadOnlyList<PropertyDefinition> All = [];
}
