namespace Sleeper.Core.Properties;

/// <summary>Instance properties of the scheduled work of sleeper serve: trigger intervals and task worker limits.</summary>
public static class SchedulerProperty
{
    public static readonly IReadOnlyList<PropertyDefinition> All = [];
}
