using Sleeper.Core.Jobs;

namespace Sleeper.Scheduler;

/// <summary>The kinds of task worker the scheduler starts when their queue has work.</summary>
public enum TaskWorkerKind
{
    Compaction,
    Ingest,
    BulkImport,
    Query,
}

/// <summary>The queue each kind of task worker takes its jobs from.</summary>
public static class TaskWorkerKinds
{
    public static readonly IReadOnlyList<TaskWorkerKind> All = Enum.GetValues<TaskWorkerKind>();

    public static string QueueName(this TaskWorkerKind kind) => kind switch
    {
        TaskWorkerKind.Compaction => QueueNames.Compaction,
        TaskWorkerKind.Ingest => QueueNames.Ingest,
        TaskWorkerKind.BulkImport => QueueNames.BulkImport,
        TaskWorkerKind.Query => QueueNames.Query,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };
}
