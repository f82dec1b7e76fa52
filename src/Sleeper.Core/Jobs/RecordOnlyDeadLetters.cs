using Sleeper.Core.Tables;

namespace Sleeper.Core.Jobs;

/// <summary>
/// The dead letters of jobs that hold nothing in a table while they wait or fail (ingest and bulk import: their rows
/// reach the table in one commit or not at all), for a <see cref="DeadLetterSweep"/>: there is nothing to release,
/// and the job's end on the tracker, with its last failure, is all there is to record.
/// </summary>
/// <param name="parse">Reads a job from a message body; a <see cref="SleeperException"/> or JSON error means the body is no job.</param>
/// <param name="namedTable">The table id, or else the name, the job gave: what its events are recorded under when its table is gone.</param>
/// <param name="openTable">Opens the job's table, whose id its workers record its events under.</param>
public sealed class RecordOnlyDeadLetters<TJob>(
    Func<string, TJob> parse, Func<TJob, string> jobId, Func<TJob, string> namedTable, Func<TJob, CancellationToken, Task<SleeperTable>> openTable)
    : IDeadLetterHandler
{
    public async Task<DeadLetteredJob?> ReadAsync(QueuedMessage letter, CancellationToken cancellationToken)
    {
        TJob job;
        try
        {
            job = parse(letter.Body);
        }
        catch (Exception e) when (e is SleeperException or System.Text.Json.JsonException)
        {
            return null;
        }
        string tableId;
        try
        {
            tableId = (await openTable(job, cancellationToken)).Id;
        }
        catch (Exception e) when (e is SleeperException or IOException)
        {
            tableId = namedTable(job);
        }
        return new DeadLetteredJob(tableId, jobId(job), null, letter);
    }

    public Task<string?> SettleAsync(DeadLetteredJob job, CancellationToken cancellationToken) => Task.FromResult<string?>(null);
}
