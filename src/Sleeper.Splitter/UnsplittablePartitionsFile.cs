using System.Text;
using System.Text.Json.Nodes;
using Sleeper.Core.Splitting;
using Sleeper.Core.Storage;
using Sleeper.Core.Tables;
using Sleeper.StateStore.LocalFiles;

namespace Sleeper.Splitter;

/// <summary>
/// The table's memory of leaves found unsplittable, kept in the object <c>&lt;tableId&gt;/splitting/unsplittable.json</c>.
/// Losing it (two splitters saving at once, or the file deleted) only means a partition is looked at once more.
/// </summary>
public sealed class UnsplittablePartitionsFile(SleeperTable table)
{
    /// <summary>The object's name in the table's store.</summary>
    public string Path { get; } = $"{table.Id}/splitting/unsplittable.json";

    public async Task<IReadOnlyList<UnsplittablePartition>> LoadAsync(CancellationToken cancellationToken = default)
    {
        byte[] bytes;
        try
        {
            await using var stream = await table.Objects.OpenReadAsync(Path, cancellationToken);
            using var buffer = new MemoryStream();
            await stream.CopyToAsync(buffer, cancellationToken);
            bytes = buffer.ToArray();
        }
        catch (ObjectNotFoundException)
        {
            return [];
        }
        var list = JsonFiles.Parse(bytes, $"{Path} in {table.Objects.Location}", "Splitting memory file", $"list of unsplittable partitions of table '{table.Name}'", o =>
            o.Required("partitions").AsArray().Select(p => p!.AsObject()).Select(p => new UnsplittablePartition(
                p.Required("partitionId").GetValue<string>(),
                p.Required("files").AsArray().Select(f => f!.GetValue<string>()).ToList(),
                p.Required("rows").GetValue<long>(),
                p.Required("reason").GetValue<string>(),
                DateTimeOffset.Parse(p.Required("foundTime").GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture))).ToList());
        return list;
    }

    public async Task SaveAsync(IReadOnlyList<UnsplittablePartition> partitions, CancellationToken cancellationToken = default)
    {
        if (partitions.Count == 0 && await table.Objects.GetInfoAsync(Path, cancellationToken) is null)
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
        await table.Objects.WriteAllBytesAsync(Path, Encoding.UTF8.GetBytes(json.ToJsonString()), cancellationToken);
    }
}
