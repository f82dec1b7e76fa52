using System.Runtime.CompilerServices;
using Sleeper.Core.Files;
using Sleeper.Core.Storage;
using Sleeper.Core.Tables;

namespace Sleeper.GarbageCollector;

/// <summary>One object of a table's data that no transaction references, and whether it is old enough to delete.</summary>
public sealed record OrphanObject(string Name, long Size, DateTimeOffset LastModified, bool PastDelay);

/// <summary>
/// Finds and deletes a table's orphans: data files (and their sketches) under <c>&lt;tableId&gt;/data/</c> that
/// the state store does not know at all, because the job that wrote them died or failed before its commit.
/// A file the state store knows, even with no references left, is not an orphan: the ordinary garbage
/// collection deletes it after sleeper.table.gc.delay.minutes. The objects are listed before the state is
/// read, and only those older than the orphan delay are deleted; <see cref="OrphanCollectionRule"/> says why
/// no commit in flight can then reference one.
/// </summary>
public sealed class OrphanFiles(SleeperTable table, IObjectStore store, TimeProvider? time = null)
{
    private const string ParquetExtension = ".parquet";
    private const string SketchesExtension = ".sketches";
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    /// <summary>The prefix under which the table's data files live.</summary>
    public static string DataPrefix(SleeperTable table) => $"{table.Id}/data/";

    /// <summary>Every orphan object of the table, old enough to delete or not.</summary>
    public async IAsyncEnumerable<OrphanObject> FindAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var rule = OrphanCollectionRule.For(table.Properties);
        // Listing first, then reading the state: a file committed before the state is read is known to it, and
        // one committed later was checked by its writer against the rule (see OrphanCollectionRule).
        var listed = new List<StoredObject>();
        await foreach (var stored in store.ListAsync(DataPrefix(table), cancellationToken))
        {
            if (DataFileOf(stored.Name) is not null)
            {
                listed.Add(stored);
            }
        }
        var state = await table.StateStore.GetStateAsync(cancellationToken);
        var now = _time.GetUtcNow();
        foreach (var stored in listed)
        {
            if (!state.Files.ContainsKey(DataFileOf(stored.Name)!))
            {
                yield return new OrphanObject(stored.Name, stored.Size, stored.LastModified, rule.MayDelete(stored.LastModified, now));
            }
        }
    }

    /// <summary>Deletes the orphans older than the delay; returns how many data files (a file, its sketches, or both) and bytes it deleted.</summary>
    public async Task<(int DataFiles, long Bytes)> DeletePastDelayAsync(CancellationToken cancellationToken = default)
    {
        var files = new HashSet<string>(StringComparer.Ordinal);
        long bytes = 0;
        await foreach (var orphan in FindAsync(cancellationToken))
        {
            if (orphan.PastDelay && await store.DeleteAsync(orphan.Name, cancellationToken))
            {
                bytes += orphan.Size;
                files.Add(DataFileOf(orphan.Name)!);
            }
        }
        return (files.Count, bytes);
    }

    /// <summary>
    /// Deletes the staging files of writes that were never committed (a process killed mid-write) once older
    /// than the orphan delay; returns how many.
    /// </summary>
    public Task<int> DeleteAbandonedWritesAsync(CancellationToken cancellationToken = default) =>
        store.DeleteAbandonedWritesAsync(_time.GetUtcNow() - OrphanCollectionRule.For(table.Properties).Delay, cancellationToken);

    /// <summary>The data file an object belongs to (itself, or the file its sketches describe); null for anything else.</summary>
    public static string? DataFileOf(string name) =>
        name.EndsWith(ParquetExtension, StringComparison.Ordinal) ? name
        : name.EndsWith(SketchesExtension, StringComparison.Ordinal) ? name[..^SketchesExtension.Length] + ParquetExtension
        : null;
}
