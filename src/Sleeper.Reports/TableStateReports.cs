using System.Globalization;
using System.Text.Json.Nodes;
using Sleeper.Core.Partitions;
using Sleeper.Core.Properties;
using Sleeper.Core.StateStore;
using Sleeper.Core.Tables;

namespace Sleeper.Reports;

/// <summary>The reports read from one table's state: its partitions, its files and its metrics.</summary>
public static class TableStateReports
{
    /// <summary>
    /// The partitions, depth-first from the root so the output reads as a tree:
    /// [{"id","parentId","childIds","isLeaf","region","rowCount","fileReferenceCount"},…] (the form CLI.md documents).
    /// </summary>
    public static JsonArray Partitions(SleeperTable table, StateStoreState state)
    {
        var serDe = new StateStoreSerDe(table.Schema);
        var refs = state.AllReferences().GroupBy(r => r.PartitionId).ToDictionary(g => g.Key, g => (Rows: g.Sum(r => r.NumberOfRows), Count: g.Count()));
        var tree = state.PartitionTree();
        var ordered = new List<Partition>();
        var stack = new Stack<Partition>([tree.Root]);
        while (stack.Count > 0)
        {
            var p = stack.Pop();
            ordered.Add(p);
            foreach (var c in p.ChildIds.Reverse())
            {
                stack.Push(tree.Get(c));
            }
        }
        return new JsonArray(ordered.Select(p => (JsonNode)new JsonObject
        {
            ["id"] = p.Id,
            ["parentId"] = p.ParentId,
            ["childIds"] = new JsonArray(p.ChildIds.Select(c => (JsonNode)JsonValue.Create(c)).ToArray()),
            ["isLeaf"] = p.IsLeaf,
            ["region"] = serDe.WriteRegion(p.Region),
            ["rowCount"] = refs.TryGetValue(p.Id, out var r) ? r.Rows : 0,
            ["fileReferenceCount"] = refs.TryGetValue(p.Id, out var r2) ? r2.Count : 0,
        }).ToArray());
    }

    /// <summary>
    /// The files, by name, with their references, and those without references whose last update is before
    /// <paramref name="gcBefore"/> (ready for garbage collection): {"files":[…],"readyForGc":[…]} (the form CLI.md documents).
    /// </summary>
    public static JsonObject Files(StateStoreState state, DateTimeOffset gcBefore) => new()
    {
        ["files"] = new JsonArray(state.Files.Values.OrderBy(f => f.Filename, StringComparer.Ordinal).Select(f => (JsonNode)new JsonObject
        {
            ["filename"] = f.Filename,
            ["lastUpdateTime"] = f.LastStateStoreUpdateTime.ToString("O", CultureInfo.InvariantCulture),
            ["references"] = new JsonArray(f.References.Values.OrderBy(r => r.PartitionId, StringComparer.Ordinal).Select(r => (JsonNode)new JsonObject
            {
                ["partitionId"] = r.PartitionId,
                ["numberOfRows"] = r.NumberOfRows,
                ["countApproximate"] = r.CountApproximate,
                ["onlyContainsDataForThisPartition"] = r.OnlyContainsDataForThisPartition,
                ["jobId"] = r.JobId,
            }).ToArray()),
        }).ToArray()),
        ["readyForGc"] = new JsonArray(state.Files.Values
            .Where(f => f.References.Count == 0 && f.LastStateStoreUpdateTime < gcBefore)
            .Select(f => (JsonNode)JsonValue.Create(f.Filename)).ToArray()),
    };

    /// <summary>The time before which a file without references is ready for garbage collection, by the table's delay.</summary>
    public static DateTimeOffset GcBefore(SleeperTable table, TimeProvider time) =>
        time.GetUtcNow() - TimeSpan.FromMinutes(table.Properties.GetInt(TableProperty.GcDelayMinutes));

    /// <summary>
    /// The figures of Sleeper's table metrics (its dashboard): files, file references, rows (the sum of the
    /// references' row counts), partitions, leaf partitions, and the average number of references over the
    /// partitions that hold any (as Sleeper averages them; 0 when there are none).
    /// </summary>
    public static JsonObject Metrics(StateStoreState state)
    {
        var references = state.AllReferences().ToList();
        var perPartition = references.GroupBy(r => r.PartitionId).Select(g => g.Count()).ToList();
        return new JsonObject
        {
            ["fileCount"] = state.Files.Count,
            ["referenceCount"] = references.Count,
            ["rowCount"] = references.Sum(r => r.NumberOfRows),
            ["partitionCount"] = state.Partitions.Count,
            ["leafPartitionCount"] = state.Partitions.Values.Count(p => p.IsLeaf),
            ["averageReferencesPerPartition"] = perPartition.Count == 0 ? 0.0 : Math.Round(perPartition.Average(), 3),
            ["maxReferencesPerPartition"] = perPartition.Count == 0 ? 0 : perPartition.Max(),
        };
    }
}
