using Sleeper.Core.Storage;
using Sleeper.Instance;

namespace Sleeper.Cli;

/// <summary>
/// The storage port of an instance, for the commands that list or delete table files directly (gc, table check).
/// The one place to change when the instance hands out its own store.
/// </summary>
public static class InstanceStorage
{
    public static IObjectStore Objects(SleeperInstance instance) => instance.Objects;
}
