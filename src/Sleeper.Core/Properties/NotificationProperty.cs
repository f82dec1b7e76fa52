namespace Sleeper.Core.Properties;

/// <summary>Instance properties of notifications: the sinks failures and dead letters are published to.</summary>
public static class NotificationProperty
{
    public static readonly IReadOnlyList<PropertyDefinition> All = [];
}
