using Sleeper.Core.Tables;

namespace Sleeper.Core.Jobs;

/// <summary>
/// The dead letters of jobs that hold nothing in a table while they wait or fail (ingest and bulk import: their rows
/// reach the table in one commit or not at all), for a <see cref="DeadLetterSweep"/>: there is nothing to release,
/// and the job's end on the tracker, with its last failure, is all there is to record.
/// </summary>
/// <param name="parse">Reads a job from a message body; a <see cref="SleeperException"/> or JSON error means the body is no job.</param>
/// <param name="tableId">The table id the job gave, if any: what its workers record its events under.</param>
/// <param name="tableName">The table name the job gave, for a job that gave no id.</param>
/// <param name="openTable">Opens the job's table, to learn the id of a table named only by name.</param>
public sealed class RecordOnlyDeadLetters<TJob>(
    Func<string, TJob> parse, Func<TJob, string> jobId, Func<TJob, string?> tableId, Func<TJob, string?> tableName,
    Func<TJob, CancellationToken, Task<SleeperTable>> openTable)
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
        return new DeadLetteredJob(tableId(job) ?? await TableIdByNameAsync(job, cancellationToken), jobId(job), null, letter);
    }

    public Task<string?> SettleAsync(DeadLetteredJob job, CancellationToken cancellationToken) => Task.FromResult<string?>(null);

    /// <summary>The id of the table the job named, or, when that table is gone, its name, as the job's workers recorded it.</summary>
    private async Task<string> TableIdByNameAsync(TJob job, CancellationToken cancellationToken)
    {
        try
        {
            return (await openTable(job, cancellationToken)).Id;
        }
        catch (Exception e) when (e is SleeperException or IOException)
        {
            return tableName(job)!;
        }
    }
}
