using System.Text.Json;
using System.Text.Json.Serialization;
using Npgsql;
using NpgsqlTypes;
using Sleeper.Core.Tracking;

namespace Sleeper.Postgres;

/// <summary>
/// A job tracker as two PostgreSQL tables of the instance's schema, one of job events and one of task events,
/// shared by every process of the instance. Each event is one row holding the event as JSON (the same form as
/// the embedded <c>FileJobTracker</c>'s lines), so fields added to the events later need no change of table.
/// </summary>
/// <remarks>
/// Events are read back in the order of an identity column, which is the order the rows were inserted; two
/// processes recording at the same moment may land in either order, as with the embedded tracker's appends.
/// Job events carry their table id in a column of their own, so a report on one table reads only its rows.
/// <see cref="RecordOnceAsync"/> looks for the event and inserts it in one transaction under an advisory lock on
/// the job, so two processes recording the same event at once insert it once.
/// </remarks>
public sealed class PostgresJobTracker : IJobTracker
{
    /// <summary>The tracker a database holds when none is named.</summary>
    public const string DefaultName = "job";

    private static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    private readonly PostgresDatabase _db;
    private readonly string _jobs;
    private readonly string _tasks;
    private readonly string _jobEventsTable;

    /// <param name="database">The instance's schema.</param>
    /// <param name="name">
    /// Which of the instance's trackers this is (compaction, ingest, bulk_import): each keeps its own pair of tables,
    /// <c>NAME_tracker_job_events</c> and <c>NAME_tracker_task_events</c>, as the embedded trackers keep a folder each.
    /// </param>
    public PostgresJobTracker(PostgresDatabase database, string name = DefaultName)
    {
        if (name.Length == 0 || !name.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '_'))
        {
            throw new ArgumentException($"'{name}' is not a tracker name: use lower-case letters, digits and '_'.", nameof(name));
        }
        _db = database;
        _jobEventsTable = $"{name}_tracker_job_events";
        _jobs = database.Table(_jobEventsTable);
        _tasks = database.Table($"{name}_tracker_task_events");
    }

    /// <summary>Creates the tracker's tables if they do not exist (done on first use anyway).</summary>
    public Task EnsureCreatedAsync(CancellationToken cancellationToken = default) =>
        _db.EnsureCreatedAsync(_jobEventsTable, $"""
            CREATE TABLE IF NOT EXISTS {_jobs} (
                seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                table_id text NOT NULL,
                job_id text NOT NULL,
                body text NOT NULL);
            CREATE INDEX IF NOT EXISTS "{_jobEventsTable}_by_table" ON {_jobs} (table_id, seq);
            CREATE INDEX IF NOT EXISTS "{_jobEventsTable}_by_job" ON {_jobs} (table_id, job_id);
            CREATE TABLE IF NOT EXISTS {_tasks} (
                seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                task_id text NOT NULL,
                body text NOT NULL);
            """, cancellationToken);

    public Task RecordAsync(JobEvent jobEvent, CancellationToken cancellationToken = default) =>
        ExecuteAsync($"Recording event {jobEvent.Kind} of job {jobEvent.JobId} of table {jobEvent.TableId}",
            $"INSERT INTO {_jobs} (table_id, job_id, body) VALUES ($1, $2, $3)",
            [jobEvent.TableId, jobEvent.JobId, JsonSerializer.Serialize(jobEvent, Options)], cancellationToken);

    public async Task<bool> RecordOnceAsync(JobEvent jobEvent, CancellationToken cancellationToken = default)
    {
        await EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
        var kind = JsonNamingPolicy.CamelCase.ConvertName(jobEvent.Kind.ToString());
        try
        {
            // Repeatable: run twice, it inserts at most once. (Should the connection break after a commit, the second
            // run finds the event and answers false although this call recorded it.)
            return await _db.RetryOnDeadConnectionAsync(async () =>
            {
                await using var connection = await _db.DataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
                await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
                // The lock first, in a statement of its own: the look for the event must see whatever the previous
                // holder committed, and a statement sees only what was committed before it began.
                await using (var command = new NpgsqlCommand("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", connection, transaction))
                {
                    command.Parameters.Add(new NpgsqlParameter { Value = $"sleeper-job-event:{_jobs}:{jobEvent.TableId}:{jobEvent.JobId}", NpgsqlDbType = NpgsqlDbType.Text });
                    await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }
                int inserted;
                await using (var command = new NpgsqlCommand($"""
                    INSERT INTO {_jobs} (table_id, job_id, body)
                    SELECT $1, $2, $3
                    WHERE NOT EXISTS (SELECT 1 FROM {_jobs} WHERE table_id = $1 AND job_id = $2 AND (body::jsonb) ->> 'kind' = $4)
                    """, connection, transaction))
                {
                    foreach (var value in new[] { jobEvent.TableId, jobEvent.JobId, JsonSerializer.Serialize(jobEvent, Options), kind })
                    {
                        command.Parameters.Add(new NpgsqlParameter { Value = value, NpgsqlDbType = NpgsqlDbType.Text });
                    }
                    inserted = await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                return inserted == 1;
            }, repeatable: true).ConfigureAwait(false);
        }
        catch (Exception e) when (e is NpgsqlException or IOException or TimeoutException)
        {
            throw _db.Failure($"Recording event {jobEvent.Kind} of job {jobEvent.JobId} of table {jobEvent.TableId} once", e);
        }
    }

    public Task RecordAsync(TaskEvent taskEvent, CancellationToken cancellationToken = default) =>
        ExecuteAsync($"Recording an event of task {taskEvent.TaskId}",
            $"INSERT INTO {_tasks} (task_id, body) VALUES ($1, $2)",
            [taskEvent.TaskId, JsonSerializer.Serialize(taskEvent, Options)], cancellationToken);

    public Task<IReadOnlyList<JobEvent>> ReadJobEventsAsync(string? tableId, CancellationToken cancellationToken = default) =>
        tableId is null
            ? ReadAsync<JobEvent>("Reading the job events", $"SELECT body FROM {_jobs} ORDER BY seq", [], cancellationToken)
            : ReadAsync<JobEvent>($"Reading the job events of table {tableId}", $"SELECT body FROM {_jobs} WHERE table_id = $1 ORDER BY seq", [tableId], cancellationToken);

    public Task<IReadOnlyList<TaskEvent>> ReadTaskEventsAsync(CancellationToken cancellationToken = default) =>
        ReadAsync<TaskEvent>("Reading the task events", $"SELECT body FROM {_tasks} ORDER BY seq", [], cancellationToken);

    private async Task ExecuteAsync(string what, string sql, string[] parameters, CancellationToken cancellationToken)
    {
        await EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
        await _db.ExecuteAsync(what, sql, parameters, cancellationToken).ConfigureAwait(false);
    }

    private async Task<IReadOnlyList<T>> ReadAsync<T>(string what, string sql, string[] parameters, CancellationToken cancellationToken)
    {
        await EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
        return await _db.ReadJsonAsync<T>(what, sql, parameters, Options, cancellationToken).ConfigureAwait(false);
    }
}
