using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Sleeper.Core.Telemetry;

/// <summary>
/// The instance's metrics and traces, as .NET's own instruments (the meter and activity source "Sleeper"): the
/// core records them without knowing who listens. `sleeper serve` turns them on with OpenTelemetry and exposes the
/// metrics to Prometheus; with no listener each record costs one check. See docs/metrics.md for the names.
/// </summary>
public static class SleeperTelemetry
{
    public const string Name = "Sleeper";

    /// <summary>The W3C trace context field a queued job carries, so the worker's span continues the submitter's trace.</summary>
    public const string TraceParentField = "traceparent";

    public static readonly Meter Meter = new(Name);

    public static readonly ActivitySource Source = new(Name);

    public static readonly Counter<long> RowsIngested = Meter.CreateCounter<long>(
        "sleeper.rows.ingested", "{row}", "Rows committed to tables by ingest and bulk import jobs.");

    public static readonly Counter<long> RowsCompacted = Meter.CreateCounter<long>(
        "sleeper.rows.compacted", "{row}", "Rows written by committed compaction jobs.");

    public static readonly Counter<long> RowsQueried = Meter.CreateCounter<long>(
        "sleeper.rows.queried", "{row}", "Rows returned by queries, direct and queued.");

    public static readonly Counter<long> CommitConflicts = Meter.CreateCounter<long>(
        "sleeper.statestore.commit.conflicts", "{conflict}", "State store commits that lost a race for a transaction number and were retried.");

    public static readonly Histogram<double> QueryDuration = Meter.CreateHistogram<double>(
        "sleeper.query.duration", "s", "How long a query took, from its start to its last row.");

    private static readonly ConcurrentDictionary<string, QueueDepthReading> QueueDepths = new(StringComparer.Ordinal);

    // Observed, not pushed: the scheduler reads the depths anyway to size its task workers, and a scrape reports
    // the latest reading without a query of its own per queue.
    public static readonly ObservableGauge<long> QueueDepth = Meter.CreateObservableGauge(
        "sleeper.queue.depth", ObserveQueueDepths, "{message}", "Messages in each job queue, by state (visible, in flight, dead letters), as last read.");

    /// <summary>The latest depth of a queue, reported by the <c>sleeper.queue.depth</c> gauge.</summary>
    public static void RecordQueueDepth(string queue, int visible, int inFlight, int deadLetters) =>
        QueueDepths[queue] = new QueueDepthReading(visible, inFlight, deadLetters);

    /// <summary>The last depths recorded, by queue, for tests and reports.</summary>
    public static IReadOnlyDictionary<string, (int Visible, int InFlight, int DeadLetters)> LatestQueueDepths =>
        QueueDepths.ToDictionary(p => p.Key, p => (p.Value.Visible, p.Value.InFlight, p.Value.DeadLetters), StringComparer.Ordinal);

    /// <summary>The current activity's W3C traceparent, or null when nothing is traced; carried in queued job messages.</summary>
    public static string? CurrentTraceParent() => Activity.Current is { IdFormat: ActivityIdFormat.W3C } current ? current.Id : null;

    /// <summary>Starts a span that continues the trace a job message carried (or a new trace when it carried none).</summary>
    public static Activity? StartContinued(string name, string? traceParent, ActivityKind kind = ActivityKind.Consumer)
    {
        if (traceParent is not null && ActivityContext.TryParse(traceParent, null, out var parent))
        {
            return Source.StartActivity(name, kind, parent);
        }
        return Source.StartActivity(name, kind);
    }

    private static IEnumerable<Measurement<long>> ObserveQueueDepths()
    {
        foreach (var (queue, depth) in QueueDepths)
        {
            yield return new Measurement<long>(depth.Visible, new KeyValuePair<string, object?>("queue", queue), new KeyValuePair<string, object?>("state", "visible"));
            yield return new Measurement<long>(depth.InFlight, new KeyValuePair<string, object?>("queue", queue), new KeyValuePair<string, object?>("state", "in_flight"));
            yield return new Measurement<long>(depth.DeadLetters, new KeyValuePair<string, object?>("queue", queue), new KeyValuePair<string, object?>("state", "dead_letters"));
        }
    }

    private sealed record QueueDepthReading(int Visible, int InFlight, int DeadLetters);
}
