using System.Collections.Concurrent;
using Sleeper.Core;
using Sleeper.Core.Iterators;
using Sleeper.Core.Storage;
using Sleeper.Core.Tables;
using Sleeper.Instance;
using Sleeper.Query;

namespace Sleeper.Server.Serving;

/// <summary>
/// The tables the server has opened, by id: each opened once and kept, so its state store follows the log
/// incrementally and one long-lived <see cref="QueryExecutor"/> serves all its queries with warm caches. The
/// name is looked up in the table index on every request (a rename, a deletion or going offline is seen at
/// once); the properties are read again after <see cref="ServerLimits.TablePropertiesCacheTime"/>, as Sleeper's
/// table properties cache does, and at once when the server changes them itself.
/// </summary>
public sealed class ServedTables(SleeperInstance instance, ServerLimits limits)
{
    private readonly ConcurrentDictionary<string, Lazy<Task<ServedTable>>> _byId = new(StringComparer.Ordinal);
    private readonly IteratorLoader _iterators = IteratorLoader.FromInstanceProperties(instance.Properties);

    /// <summary>The table by name; 404 when there is none, 409 when it is offline and <paramref name="requireOnline"/>.</summary>
    public async Task<ServedTable> GetAsync(string name, bool requireOnline, CancellationToken cancellationToken)
    {
        var status = await instance.GetTableStatusAsync(name, cancellationToken);
        if (requireOnline && !status.Online)
        {
            throw new ApiException(409, $"Table '{name}' is offline; an admin can bring it back with POST /api/tables/{name}/online.");
        }
        var lazy = _byId.GetOrAdd(status.TableId, Open);
        ServedTable served;
        try
        {
            served = await lazy.Value.WaitAsync(cancellationToken);
        }
        catch (Exception) when (!cancellationToken.IsCancellationRequested)
        {
            _byId.TryRemove(new KeyValuePair<string, Lazy<Task<ServedTable>>>(status.TableId, lazy));
            throw;
        }
        if (instance.Time.GetUtcNow() - served.LoadedAt >= limits.TablePropertiesCacheTime)
        {
            served = await RefreshAsync(served, cancellationToken);
        }
        return served;
    }

    /// <summary>Forgets a table, so the next request opens it afresh (after the server changed it).</summary>
    public void Forget(string tableId) => _byId.TryRemove(tableId, out _);

    private Lazy<Task<ServedTable>> Open(string tableId) =>
        new(() => OpenAsync(tableId), LazyThreadSafetyMode.ExecutionAndPublication);

    private async Task<ServedTable> OpenAsync(string tableId)
    {
        // Not the caller's token: other callers share this opening.
        var table = await instance.OpenTableByIdAsync(tableId, CancellationToken.None);
        return Served(table, table.Properties.Save());
    }

    private ServedTable Served(SleeperTable table, string propertiesText) =>
        new(table, new QueryExecutor(table, instance.Time, _iterators), propertiesText, instance.Time.GetUtcNow());

    /// <summary>Keeps the table when its stored properties are unchanged; otherwise opens it again with the new ones.</summary>
    private async Task<ServedTable> RefreshAsync(ServedTable served, CancellationToken cancellationToken)
    {
        var text = await instance.Objects.ReadAllTextAsync($"{served.Table.Id}/table.properties", cancellationToken);
        var refreshed = text == served.PropertiesText
            ? served with { LoadedAt = instance.Time.GetUtcNow() }
            : Served(await instance.OpenTableByIdAsync(served.Table.Id, cancellationToken), text);
        _byId[served.Table.Id] = new Lazy<Task<ServedTable>>(Task.FromResult(refreshed));
        return refreshed;
    }
}
