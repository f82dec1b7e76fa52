using Sleeper.Core.Ingest;
using Sleeper.Core.Jobs;
using Sleeper.Core.Tables;
using Sleeper.Core.Tracking;

namespace Sleeper.BulkImport;

/// <summary>
/// The sweep of the bulk import queue's dead letters: an import changes the table only in its last commit, so a
/// dead-lettered one holds nothing, and its end on the tracker, with its last failure, is recorded once
/// (<see cref="RecordOnlyDeadLetters{TJob}"/>).
/// </summary>
public static class BulkImportDeadLetters
{
    /// <summary>A sweep of the bulk import dead letters in <paramref name="queue"/>, recording on <paramref name="tracker"/>.</summary>
    public static DeadLetterSweep Sweep(IJobQueue queue, IJobTracker tracker, Func<BulkImportJob, CancellationToken, Task<SleeperTable>> openTable, TimeProvider? time = null, string? taskId = null) =>
        new(queue, tracker, new RecordOnlyDeadLetters<BulkImportJob>(IngestJobSerDe.BulkImportFromJson, job => job.Id, job => job.TableId, job => job.TableName, openTable), time)
        {
            TaskId = taskId,
        };
}
