using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Serialization;
using Sleeper.Core.Storage;

namespace Sleeper.Core.Notifications;

/// <summary>How much an event matters: a warning (something failed and will be retried or can be), or an error (it will not).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<EventSeverity>))]
public enum EventSeverity
{
    Warning,
    Error,
}

/// <summary>
/// Something an operator should hear of: a failed job, a dead-lettered one. <paramref name="Kind"/> is a short
/// name such as <c>compaction-job-failed</c>; the ids are null when they do not apply.
/// </summary>
public sealed record InstanceEvent(
    string Id,
    DateTimeOffset Time,
    string Kind,
    EventSeverity Severity,
    string Message,
    string? TableId = null,
    string? JobId = null);

/// <summary>Where events are published: the instance's event log, a webhook, ….</summary>
public interface IEventSink
{
    Task PublishAsync(InstanceEvent instanceEvent, CancellationToken cancellationToken = default);
}

/// <summary>
/// The instance's append-only event log, through the storage port: one small object per event under
/// <c>events/</c>, named by its time and id, so that events are never overwritten, several processes may publish
/// at once without coordinating, and a listing by name is the log in time order.
/// </summary>
public sealed class EventLog(IObjectStore store) : IEventSink
{
    public const string Folder = "events/";

    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    public Task PublishAsync(InstanceEvent instanceEvent, CancellationToken cancellationToken = default) =>
        store.WriteAllBytesAsync(NameOf(instanceEvent), ToJson(instanceEvent), cancellationToken);

    /// <summary>An event's JSON, as the log stores it and the webhook posts it: camelCase, nulls left out.</summary>
    public static byte[] ToJson(InstanceEvent instanceEvent) => JsonSerializer.SerializeToUtf8Bytes(instanceEvent, Json);

    /// <summary>
    /// The events in time order, each with the name of its object; after <paramref name="afterName"/> when given, so a
    /// follower can ask again for only what is new.
    /// </summary>
    public async IAsyncEnumerable<(string Name, InstanceEvent Event)> ReadAsync(string? afterName = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var names = new List<string>();
        await foreach (var stored in store.ListAsync(Folder, cancellationToken).ConfigureAwait(false))
        {
            if (stored.Name.EndsWith(".json", StringComparison.Ordinal) && (afterName is null || string.CompareOrdinal(stored.Name, afterName) > 0))
            {
                names.Add(stored.Name);
            }
        }
        names.Sort(StringComparer.Ordinal);
        foreach (var name in names)
        {
            InstanceEvent? read;
            try
            {
                read = JsonSerializer.Deserialize<InstanceEvent>(await store.ReadAllTextAsync(name, cancellationToken).ConfigureAwait(false), Json);
            }
            catch (ObjectNotFoundException)
            {
                continue; // Pruned since it was listed.
            }
            catch (JsonException e)
            {
                throw new SleeperException($"Event {name} in {store.Location} is not valid JSON: {e.Message}");
            }
            if (read is not null)
            {
                yield return (name, read);
            }
        }
    }

    /// <summary>A new event of now with a new id.</summary>
    public static InstanceEvent Create(TimeProvider time, string kind, EventSeverity severity, string message, string? tableId = null, string? jobId = null) =>
        new(Guid.NewGuid().ToString("N"), time.GetUtcNow(), kind, severity, message, tableId, jobId);

    private static string NameOf(InstanceEvent e) =>
        $"{Folder}{e.Time.UtcDateTime.ToString("yyyyMMdd'T'HHmmss.fffffff'Z'", CultureInfo.InvariantCulture)}-{e.Id}.json";
}
