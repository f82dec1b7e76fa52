using Sleeper.Core;
using Sleeper.Core.Tables;

namespace Sleeper.Cli;

/// <summary>
/// Local paths of a table's files, for the few places that hand them to a program that reads only local
/// files (the benchmarks' peer, DuckDB). Everything else goes through the table's store.
/// </summary>
internal static class LocalPaths
{
    public static string Of(SleeperTable table, string name) =>
        table.Objects.LocalPathOf(name)
        ?? throw new SleeperException($"Table '{table.Name}' keeps its files in {table.Objects.Location}, not on local disk; this needs local files.");
}
