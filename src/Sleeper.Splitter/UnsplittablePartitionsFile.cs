using System.Text;
using System.Text.Json.Nodes;
using Sleeper.Core.Splitting;
using Sleeper.Core.Tables;
using Sleeper.StateStore.LocalFiles;

namespace Sleeper.Splitter;

/// <summary>
/// The table's memory of leaves found unsplittable, kept in <c>splitting/unsplittable.json</c> in the table's folder.
/// Losing it (two splitters saving at once, or the file deleted) only means a partition is looked at once more.
/// </summary>
public sealed class UnsplittablePartitionsFile(SleeperTable table)
{
    public string Path { get; } = System.IO.Path.Combine(table.Directory, "splitting", "unsplittable.json");

    public async Task<IReadOnlyList<UnsplittablePartition>> LoadAsync(CancellationToken cancellationToken = default)
    {
        if (!Directory.Exists(System.IO.Path.GetDirectoryName(Path)))
        {
            return [];
        }
        var list = await JsonFiles.TryReadAsync(Path, "Splitting memory file", $"list of unsplittable partitions of table '{table.Name}'", o =>
            o.Required("partitions").AsArray().Select(p => p!.AsObject()).Select(p => new UnsplittablePartition(
                p.Required("partitionId").GetValue<string>(),
                p.Required("files").AsArray().Select(f => f!.GetValue<string>()).ToList(),
                p.Required("rows").GetValue<long>(),
                p.Required("reason").GetValue<string>(),
                DateTimeOffset.Parse(p.Required("foundTime").GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture))).ToList(),
            cancellationToken);
        return list ?? [];
    }

    public async Task SaveAsync(IReadOnlyList<UnsplittablePartition> partitions, CancellationToken cancellationToken = default)
    {
        if (partitions.Count == 0 && !File.Exists(Path))
        {
            return;
        }
        var json = new JsonObject
        {
            ["partitions"] = new JsonArray(partitions.OrderBy(p => p.PartitionId, StringComparer.Ordinal).Select(p => (JsonNode)new JsonObject
            {
                ["partitionId"] = p.PartitionId,
                ["files"] = new JsonArray(p.Filenames.Order(StringComparer.Ordinal).Select(f => (JsonNode)JsonValue.Create(f)).ToArray()),
                ["rows"] = p.RowCount,
                ["reason"] = p.Reason,
                ["foundTime"] = p.FoundTime.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
            }).ToArray()),
        };
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(Path)!);
        await AtomicFiles.ReplaceAsync(Path, Encoding.UTF8.GetBytes(json.ToJsonString()), cancellationToken);
    }
}
