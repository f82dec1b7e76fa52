using System.Globalization;
using System.Text;
using Sleeper.Core.StateStore;
using Sleeper.Core.Storage;

namespace Sleeper.StateStore;

/// <summary>
/// Snapshots of a table's state as objects under a prefix of the storage port, one per transaction number,
/// each written whole (visible entirely or not at all) and flushed to stable storage. The same code serves a
/// local folder (the embedded instance, see <see cref="FileSnapshotStore"/>) and S3 (a distributed instance,
/// whose log may be in PostgreSQL): it needs nothing but whole-object writes and listing by prefix.
/// </summary>
/// <remarks>
/// An object is named <c>snapshot-&lt;number&gt;-&lt;created unix ms&gt;.json</c> and holds just the state, so
/// finding the newest snapshot and its age is a listing by prefix that opens no object.
/// </remarks>
public class ObjectStoreSnapshotStore : ITransactionLogSnapshotStore
{
    private const string Prefix = "snapshot-";
    private const string Extension = ".json";
    private const int NumberDigits = 19;

    private readonly IObjectStore _store;
    private readonly string _prefix;

    /// <param name="store">Where the snapshots live.</param>
    /// <param name="prefix">The folder-like prefix of the table's snapshots, ending in '/' (<c>&lt;tableId&gt;/statestore/snapshots/</c>).</param>
    public ObjectStoreSnapshotStore(IObjectStore store, string prefix)
    {
        if (prefix.Length > 0 && !prefix.EndsWith('/'))
        {
            throw new ArgumentException($"A snapshot prefix ends with '/'; got '{prefix}'.", nameof(prefix));
        }
        _store = store;
        _prefix = prefix;
    }

    public async Task<TransactionLogSnapshotInfo?> GetLatestSnapshotInfoAsync(CancellationToken cancellationToken = default) =>
        (await ListAsync(cancellationToken).ConfigureAwait(false)).Select(s => s.Info).MaxBy(s => s.TransactionNumber);

    public async Task<TransactionLogSnapshot?> LoadSnapshotAsync(long transactionNumber, CancellationToken cancellationToken = default)
    {
        // Two processes may have written the same number at different times; both hold the same state.
        foreach (var (info, name) in (await ListAsync(cancellationToken).ConfigureAwait(false)).Where(s => s.Info.TransactionNumber == transactionNumber))
        {
            try
            {
                var body = await _store.ReadAllTextAsync(name, cancellationToken).ConfigureAwait(false);
                return new TransactionLogSnapshot(info.TransactionNumber, info.CreatedTime, body);
            }
            catch (ObjectNotFoundException)
            {
                // Deleted since the listing; try another copy, if any.
            }
        }
        return null;
    }

    public Task SaveSnapshotAsync(TransactionLogSnapshot snapshot, CancellationToken cancellationToken = default) =>
        _store.WriteAllBytesAsync(NameOf(snapshot.TransactionNumber, snapshot.CreatedTime), Encoding.UTF8.GetBytes(snapshot.Body), cancellationToken);

    public async Task<IReadOnlyList<TransactionLogSnapshotInfo>> ListSnapshotsAsync(CancellationToken cancellationToken = default) =>
        (await ListAsync(cancellationToken).ConfigureAwait(false))
            .GroupBy(s => s.Info.TransactionNumber)
            .Select(g => g.MinBy(s => s.Info.CreatedTime).Info)
            .OrderBy(s => s.TransactionNumber)
            .ToList();

    public async Task DeleteSnapshotAsync(long transactionNumber, CancellationToken cancellationToken = default)
    {
        foreach (var (_, name) in (await ListAsync(cancellationToken).ConfigureAwait(false)).Where(s => s.Info.TransactionNumber == transactionNumber))
        {
            await _store.DeleteAsync(name, cancellationToken).ConfigureAwait(false);
        }
    }

    private string NameOf(long number, DateTimeOffset created) =>
        string.Create(CultureInfo.InvariantCulture, $"{_prefix}{Prefix}{number.ToString(CultureInfo.InvariantCulture).PadLeft(NumberDigits, '0')}-{created.ToUnixTimeMilliseconds()}{Extension}");

    private async Task<List<(TransactionLogSnapshotInfo Info, string Name)>> ListAsync(CancellationToken cancellationToken)
    {
        var found = new List<(TransactionLogSnapshotInfo, string)>();
        await foreach (var stored in _store.ListAsync(_prefix + Prefix, cancellationToken).ConfigureAwait(false))
        {
            var rest = stored.Name[(_prefix.Length + Prefix.Length)..];
            if (!rest.EndsWith(Extension, StringComparison.Ordinal) || rest.Contains('/', StringComparison.Ordinal))
            {
                continue;
            }
            var name = rest[..^Extension.Length];
            var dash = name.IndexOf('-', StringComparison.Ordinal);
            if (dash == NumberDigits
                && long.TryParse(name.AsSpan(0, dash), NumberStyles.None, CultureInfo.InvariantCulture, out var number)
                && long.TryParse(name.AsSpan(dash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var millis))
            {
                found.Add((new TransactionLogSnapshotInfo(number, DateTimeOffset.FromUnixTimeMilliseconds(millis)), stored.Name));
            }
        }
        return found;
    }
}
