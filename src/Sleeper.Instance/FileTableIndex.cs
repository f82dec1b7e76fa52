using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Sleeper.Core;
using Sleeper.Core.Tables;
using Sleeper.StateStore.LocalFiles;

namespace Sleeper.Instance;

/// <summary>
/// The embedded table index: a folder with one JSON file per table name (<c>&lt;name&gt;.json</c> holding id, name
/// and online). A name is published by creating its file exclusively, so of two creators exactly one wins; a rename
/// creates the new name's file the same way before removing the old one, so it never overwrites a taken name.
/// </summary>
/// <remarks>
/// Files are small and local, so reads are synchronous; the internal synchronous methods let
/// <see cref="EmbeddedInstance"/>'s synchronous API use the index without blocking on tasks.
/// Files being written (see <see cref="AtomicFiles.IsTemporary"/>) are not tables and are skipped.
/// </remarks>
public sealed class FileTableIndex : ITableIndex
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <param name="directory">The index folder (an instance's <c>tables/</c>); made if missing.</param>
    public FileTableIndex(string directory)
    {
        Directory = Path.GetFullPath(directory);
        System.IO.Directory.CreateDirectory(Directory);
    }

    public string Directory { get; }

    public Task<IReadOnlyList<TableStatus>> ListAsync(CancellationToken cancellationToken = default) =>
        Task.FromResult(List());

    public Task<TableStatus?> GetByNameAsync(string name, CancellationToken cancellationToken = default) =>
        Task.FromResult(Get(name));

    public Task<TableStatus?> GetByIdAsync(string tableId, CancellationToken cancellationToken = default) =>
        Task.FromResult(GetById(tableId));

    public Task<bool> TryCreateAsync(TableStatus status, CancellationToken cancellationToken = default)
    {
        TableNames.Validate(status.TableName);
        return AtomicFiles.TryCreateAsync(IndexFile(status.TableName), Bytes(IndexJson(status)), cancellationToken);
    }

    public async Task<bool> TryRenameAsync(string name, string newName, CancellationToken cancellationToken = default)
    {
        TableNames.Validate(newName);
        var status = Get(name) ?? throw new TableNotFoundException(name);
        if (name == newName)
        {
            return true;
        }
        if (!await AtomicFiles.TryCreateAsync(IndexFile(newName), Bytes(IndexJson(status with { TableName = newName })), cancellationToken))
        {
            return false;
        }
        File.Delete(IndexFile(name));
        return true;
    }

    public Task SetOnlineAsync(string name, bool online, CancellationToken cancellationToken = default)
    {
        var status = Get(name) ?? throw new TableNotFoundException(name);
        return AtomicFiles.ReplaceAsync(IndexFile(name), Bytes(IndexJson(status with { Online = online })), cancellationToken);
    }

    public Task<bool> DeleteAsync(string name, CancellationToken cancellationToken = default) =>
        Task.FromResult(Delete(name));

    /// <summary>Every table, in ordinal order of name.</summary>
    internal IReadOnlyList<TableStatus> List() =>
        System.IO.Directory.EnumerateFiles(Directory, "*.json")
            .Where(f => !AtomicFiles.IsTemporary(Path.GetFileName(f)))
            .Select(ReadIndexEntry)
            .OfType<TableStatus>()
            .OrderBy(t => t.TableName, StringComparer.Ordinal)
            .ToList();

    /// <summary>The table of that name, or null.</summary>
    internal TableStatus? Get(string name)
    {
        TableNames.Validate(name);
        return ReadIndexEntry(IndexFile(name));
    }

    /// <summary>The table with that id, or null: a scan, as the files are keyed by name.</summary>
    internal TableStatus? GetById(string tableId) => List().FirstOrDefault(t => t.TableId == tableId);

    /// <summary>
    /// Removes the name's file by first moving it to a temporary name, which only one of two deleters at once can
    /// do, so exactly one of them answers true.
    /// </summary>
    internal bool Delete(string name)
    {
        TableNames.Validate(name);
        var claimed = Path.Combine(Directory, $".{name}.json.{Guid.NewGuid():N}.tmp");
        try
        {
            File.Move(IndexFile(name), claimed, overwrite: false);
        }
        catch (FileNotFoundException)
        {
            return false;
        }
        File.Delete(claimed);
        return true;
    }

    private string IndexFile(string name) => Path.Combine(Directory, name + ".json");

    private static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);

    private static string IndexJson(TableStatus status) => new JsonObject
    {
        ["id"] = status.TableId,
        ["name"] = status.TableName,
        ["online"] = status.Online,
    }.ToJsonString(Indented);

    private static TableStatus? ReadIndexEntry(string file)
    {
        string text;
        try
        {
            text = File.ReadAllText(file);
        }
        catch (FileNotFoundException)
        {
            return null;
        }
        var node = JsonNode.Parse(text)!;
        return new TableStatus(node["id"]!.GetValue<string>(), node["name"]!.GetValue<string>(), node["online"]!.GetValue<bool>());
    }
}
