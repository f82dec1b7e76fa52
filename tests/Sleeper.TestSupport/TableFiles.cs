using Sleeper.Core.Tables;

namespace Sleeper.TestSupport;

/// <summary>Local paths of a table's files, for tests that look at or damage them on disk (the embedded store keeps them there).</summary>
public static class TableFiles
{
    /// <summary>The local file of an object of the table's store.</summary>
    public static string LocalPathOf(this SleeperTable table, string name) =>
        table.Objects.LocalPathOf(name) ?? throw new InvalidOperationException($"The store {table.Objects.Location} is not on local disk.");

    /// <summary>The local folder that holds the table's files.</summary>
    public static string LocalFolder(this SleeperTable table) => table.LocalPathOf(table.Id);
}
