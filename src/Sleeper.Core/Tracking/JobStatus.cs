namespace Sleeper.Core.Tracking;

/// <summary>A job's life folded from its events: the newest attempt's times, rows and rate.</summary>
public sealed record JobStatus(
    string TableId,
    string JobId,
    string? PartitionId,
    int? InputFiles,
    DateTimeOffset? Created,
    DateTimeOffset? Started,
    DateTimeOffset? Finished,
    DateTimeOffset? Committed,
    DateTimeOffset? Failed,
    string? FailureReason,
    string? TaskId,
    long? RowsRead,
    long? RowsWritten,
    int Attempts,
    IReadOnlyList<string>? Files = null)
{
    public string State => Committed is not null ? "committed"
        : Failed is not null && (Started is null || Failed >= Started) ? "failed"
        : Finished is not null ? "finished"
        : Started is not null ? "running"
        : "pending";

    /// <summary>Rows read per second of the newest attempt's run.</summary>
    public double? RowsPerSecond => Started is { } s && Finished is { } f && RowsRead is { } r && f > s ? r / (f - s).TotalSeconds : null;

    public static IReadOnlyList<JobStatus> Fold(IEnumerable<JobEvent> events) =>
        events.GroupBy(e => (e.TableId, e.JobId)).Select(g =>
        {
            var ordered = g.OrderBy(e => e.Time).ToList();
            var created = ordered.FirstOrDefault(e => e.Kind == JobEventKind.Created);
            var started = ordered.LastOrDefault(e => e.Kind == JobEventKind.Started);
            var finished = ordered.LastOrDefault(e => e.Kind == JobEventKind.Finished);
            var committed = ordered.LastOrDefault(e => e.Kind == JobEventKind.Committed);
            // Dead-lettered is the last failure of all: the job's reason for good.
            var failed = ordered.LastOrDefault(e => e.Kind is JobEventKind.Failed or JobEventKind.DeadLettered);
            return new JobStatus(g.Key.TableId, g.Key.JobId,
                created?.PartitionId ?? started?.PartitionId, created?.InputFiles ?? started?.InputFiles,
                created?.Time, started?.Time, finished?.Time, committed?.Time, failed?.Time, failed?.Reason,
                started?.TaskId, finished?.RowsRead, finished?.RowsWritten,
                ordered.Count(e => e.Kind == JobEventKind.Started),
                created?.Files ?? started?.Files);
        }).OrderBy(s => s.Created ?? s.Started).ToList();
}

/// <summary>A task's life folded from its events.</summary>
public sealed record JobTaskStatus(string TaskId, DateTimeOffset Started, DateTimeOffset? Finished, int? JobsRun, long? RowsRead, long? RowsWritten)
{
    public static IReadOnlyList<JobTaskStatus> Fold(IEnumerable<TaskEvent> events) =>
        events.GroupBy(e => e.TaskId).Select(g =>
        {
            var start = g.Where(e => !e.Finished).Select(e => e.Time).DefaultIfEmpty(g.Min(e => e.Time)).Min();
            var finish = g.LastOrDefault(e => e.Finished);
            return new JobTaskStatus(g.Key, start, finish?.Time, finish?.JobsRun, finish?.RowsRead, finish?.RowsWritten);
        }).OrderBy(t => t.Started).ToList();
}
