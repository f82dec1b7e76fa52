using Sleeper.Core.Iterators;

namespace Sleeper.Compaction.Tests;

/// <summary>Where the test iterator assembly is (copied beside the test binaries by the build), and a task that loads from it.</summary>
internal static class TestIterators
{
    public static string AssemblyPath => Path.Combine(AppContext.BaseDirectory, "iterators", "Sleeper.Compaction.Tests.Iterator.dll");

    public static IteratorLoader Loader() => new([AssemblyPath]);

    public static CompactionTask Task(TimeProvider? time = null) => new(time, Loader());
}
