using Sleeper.Core.Ingest;
using Sleeper.Core.Jobs;
using Sleeper.Core.Tables;
using Sleeper.Core.Tracking;

namespace Sleeper.Ingest;

/// <summary>
/// The sweep of the ingest queue's dead letters: a dead-lettered ingest job committed nothing, so its end on the
/// tracker, with its last failure, is recorded once (<see cref="RecordOnlyDeadLetters{TJob}"/>).
/// </summary>
public static class IngestDeadLetters
{
    /// <summary>A sweep of the ingest dead letters in <paramref name="queue"/>, recording on <paramref name="tracker"/>.</summary>
    public static DeadLetterSweep Sweep(IJobQueue queue, IJobTracker tracker, Func<IngestJob, CancellationToken, Task<SleeperTable>> openTable, TimeProvider? time = null, string? taskId = null) =>
        new(queue, tracker, new RecordOnlyDeadLetters<IngestJob>(IngestJobSerDe.IngestFromJson, job => job.Id, job => job.TableId, job => job.TableName, openTable), time)
        {
            TaskId = taskId,
        };
}
