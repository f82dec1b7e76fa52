using Sleeper.Core.Properties;
using Sleeper.Core.Storage;
using Sleeper.Core.StateStore.Transactions;
using Sleeper.Core.Tables;

namespace Sleeper.GarbageCollector;

/// <summary>
/// What one garbage collection run did: files forgotten by the state store (and their bytes), in how many
/// commits; orphans (data files no transaction referenced) deleted and their bytes with their sketches; and
/// staging files of abandoned writes deleted; and scratch folders of killed processes removed.
/// </summary>
public sealed record GarbageCollectionResult(int FilesDeleted, long BytesDeleted, int Batches, int OrphansDeleted = 0, long OrphanBytesDeleted = 0,
    int AbandonedWritesDeleted = 0, int ScratchFoldersRemoved = 0);

/// <summary>
/// Deletes the data files of a table that have had no references for longer than
/// sleeper.table.gc.delay.minutes, in batches: each batch's files (and their sketches) are deleted from
/// storage first, then one DeleteFiles transaction forgets them. A file with no references can never gain
/// one again, so nothing still referenced is ever deleted; if the process dies between the two steps,
/// the next run deletes nothing more and commits the forgetting.
/// It also deletes the table's orphans, files no transaction ever referenced, and the
/// staging files of abandoned writes, once older than sleeper.table.gc.orphan.delay.minutes (see
/// <see cref="OrphanFiles"/>), and, given this machine's scratch space, the scratch folders that ingests and
/// bulk imports killed while they spilled could not remove.
/// </summary>
public sealed class GarbageCollector(SleeperTable table, TimeProvider? time = null, int batchSize = 1000, IObjectStore? store = null,
    IScratchSpace? scratch = null)
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    public async Task<GarbageCollectionResult> RunAsync(CancellationToken cancellationToken = default)
    {
        var delay = TimeSpan.FromMinutes(table.Properties.GetInt(TableProperty.GcDelayMinutes));
        var ready = await table.StateStore.GetReadyForGcFilenamesBeforeAsync(_time.GetUtcNow() - delay, cancellationToken);
        var deleted = 0;
        long bytes = 0;
        var batches = 0;
        foreach (var batch in ready.Chunk(batchSize))
        {
            cancellationToken.ThrowIfCancellationRequested();
            foreach (var filename in batch)
            {
                bytes += await DeleteIfExistsAsync(filename, cancellationToken);
                await DeleteIfExistsAsync(Path.ChangeExtension(filename, ".sketches"), cancellationToken);
            }
            await table.StateStore.CommitAsync(new DeleteFilesTransaction(batch), cancellationToken);
            deleted += batch.Length;
            batches++;
        }
        // After the forgetting above, so that a file forgotten but not deleted (a failed delete) is an orphan now.
        var orphans = new OrphanFiles(table, store ?? table.Objects, _time);
        var (orphansDeleted, orphanBytes) = await orphans.DeletePastDelayAsync(cancellationToken);
        var abandoned = await orphans.DeleteAbandonedWritesAsync(cancellationToken);
        var scratchFolders = scratch?.RemoveLeftovers() ?? 0;
        return new GarbageCollectionResult(deleted, bytes, batches, orphansDeleted, orphanBytes, abandoned, scratchFolders);
    }

    private async Task<long> DeleteIfExistsAsync(string name, CancellationToken cancellationToken)
    {
        if (await table.Objects.GetInfoAsync(name, cancellationToken) is not { } info)
        {
            return 0;
        }
        return await table.Objects.DeleteAsync(name, cancellationToken) ? info.Size : 0;
    }
}
