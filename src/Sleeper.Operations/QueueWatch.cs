using System.Collections.Concurrent;
using Sleeper.Core.Jobs;
using Sleeper.Core.Notifications;
using Sleeper.Core.Properties;
using Sleeper.Instance;

namespace Sleeper.Operations;

/// <summary>A queue found stuck: it has held visible messages, never fewer, since <paramref name="Since"/>.</summary>
public sealed record StuckQueue(string Queue, int Visible, int InFlight, DateTimeOffset Since);

/// <summary>
/// Watches the job queues for work that does not move, for the scheduler to call on an interval: a queue whose
/// visible messages have not fallen in number for <c>sleeper.notifications.queue.stuck.minutes</c> (no worker is
/// taking them, or the workers are not keeping up) is published as a <c>queue-stuck</c> event, once for each time
/// it gets stuck.
/// </summary>
/// <remarks>
/// Each check compares the depths with those of the checks before, so one object must be kept and called again
/// (every minute or so); a new object starts watching afresh. A queue's watch starts over whenever its visible
/// count falls or it empties. Only the count is compared, which every queue can give cheaply (SQS's approximate
/// count included); a queue that works through old messages while as many new ones arrive counts as stuck too,
/// which is what an operator needs to hear: its backlog is not shrinking.
/// </remarks>
public sealed class QueueWatch(SleeperInstance instance)
{
    private sealed record Watch(int LastVisible, DateTimeOffset Since, bool Published);

    private readonly ConcurrentDictionary<string, Watch> _watches = new(StringComparer.Ordinal);

    /// <summary>The queues watched.</summary>
    public static readonly IReadOnlyList<string> Queues = [QueueNames.Compaction, QueueNames.Ingest, QueueNames.BulkImport, QueueNames.Query];

    /// <summary>Looks at every job queue now; returns those stuck, publishing an event for each newly stuck one.</summary>
    public async Task<IReadOnlyList<StuckQueue>> CheckAsync(CancellationToken cancellationToken = default)
    {
        var threshold = TimeSpan.FromMinutes(instance.Properties.GetInt(NotificationProperty.QueueStuckMinutes));
        var stuck = new List<StuckQueue>();
        foreach (var name in Queues)
        {
            var depth = await instance.Queue(name).GetDepthAsync(cancellationToken).ConfigureAwait(false);
            var now = instance.Time.GetUtcNow();
            if (depth.Visible == 0)
            {
                _watches.TryRemove(name, out _);
                continue;
            }
            if (!_watches.TryGetValue(name, out var watch) || depth.Visible < watch.LastVisible)
            {
                _watches[name] = new Watch(depth.Visible, now, false);
                continue;
            }
            watch = watch with { LastVisible = depth.Visible };
            if (now - watch.Since >= threshold)
            {
                stuck.Add(new StuckQueue(name, depth.Visible, depth.InFlight, watch.Since));
                if (!watch.Published)
                {
                    await instance.Notifications.PublishAsync(EventLog.Create(instance.Time, "queue-stuck", EventSeverity.Warning,
                        $"The {name} queue has held {depth.Visible} visible message(s) ({depth.InFlight} in flight), never fewer, since {watch.Since:u}: " +
                        $"its workers are not running or not keeping up."), cancellationToken).ConfigureAwait(false);
                    watch = watch with { Published = true };
                }
            }
            _watches[name] = watch;
        }
        return stuck;
    }
}
