using Npgsql;
using Sleeper.Core.Ingest.Batcher;

namespace Sleeper.Postgres;

/// <summary>
/// The ingest batcher's record in two PostgreSQL tables of the instance's schema, shared by every table and
/// every batcher: one row per file request (pending while it has no job) and one row per job.
/// </summary>
/// <remarks>
/// <para>
/// A partial unique index on (table, file) over the pending rows makes a file pending at most once per table:
/// adding files is one INSERT … ON CONFLICT DO NOTHING, so a file added again, by this caller or another at the
/// same moment, keeps its first request and received time. Once batched, the same path can be submitted again
/// as a new request.
/// </para>
/// <para>
/// Assigning jobs is one transaction that locks the pending rows of the jobs' files (<c>FOR UPDATE</c>, in path
/// order, so two assigners cannot deadlock), checks every one is still pending as the same request, inserts the
/// jobs and sets the rows' job. A second assigner racing for a file waits on the row lock, then finds it no longer
/// pending and rolls back everything: a file goes to exactly one job, and a claim is all or nothing.
/// </para>
/// <para>
/// Times are stored as .NET ticks (UTC), not <c>timestamptz</c>, which keeps only microseconds: a request read
/// back must equal, as a record, the one the caller gave, or a batcher holding it could never assign it.
/// Jobs sent more than <see cref="KeepSentJobsFor"/> before the latest send are deleted with their files, so the
/// record does not grow for ever, as the embedded store's snapshots do.
/// </para>
/// </remarks>
public sealed class PostgresIngestBatcherStore : IIngestBatcherStore
{
    /// <summary>The table of the instance's schema that holds the file requests.</summary>
    public const string FilesTable = "ingest_batcher_files";

    /// <summary>The table of the instance's schema that holds the jobs.</summary>
    public const string JobsTable = "ingest_batcher_jobs";

    private readonly PostgresDatabase _db;
    private readonly string _files;
    private readonly string _jobs;

    public PostgresIngestBatcherStore(PostgresDatabase database)
    {
        _db = database;
        _files = database.Table(FilesTable);
        _jobs = database.Table(JobsTable);
    }

    /// <summary>How long a sent job stays in the record (and the report) after it was sent.</summary>
    public TimeSpan KeepSentJobsFor { get; init; } = TimeSpan.FromDays(7);

    /// <summary>Creates the store's tables if they do not exist (done on first use anyway).</summary>
    public Task EnsureCreatedAsync(CancellationToken cancellationToken = default) =>
        _db.EnsureCreatedAsync(FilesTable, $"""
            CREATE TABLE IF NOT EXISTS {_files} (
                seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                table_id text NOT NULL,
                file text NOT NULL,
                size_bytes bigint NOT NULL,
                received_ticks bigint NOT NULL,
                job_id text NULL,
                job_position integer NULL);
            CREATE UNIQUE INDEX IF NOT EXISTS "{FilesTable}_pending" ON {_files} (table_id, file) WHERE job_id IS NULL;
            CREATE INDEX IF NOT EXISTS "{FilesTable}_by_job" ON {_files} (table_id, job_id, job_position) WHERE job_id IS NOT NULL;
            CREATE TABLE IF NOT EXISTS {_jobs} (
                seq bigint GENERATED ALWAYS AS IDENTITY,
                table_id text NOT NULL,
                job_id text NOT NULL,
                queue text NOT NULL,
                created_ticks bigint NOT NULL,
                sent_ticks bigint NULL,
                PRIMARY KEY (table_id, job_id));
            """, cancellationToken);

    public async Task<IReadOnlyList<FileIngestRequest>> AddFilesAsync(string tableId, IReadOnlyList<FileIngestRequest> files, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(tableId);
        var wrong = files.FirstOrDefault(f => f.TableId != tableId);
        if (wrong is not null)
        {
            throw new ArgumentException($"File {wrong.File} is for table {wrong.TableId}, not {tableId}.", nameof(files));
        }
        // The first of any repeats, in the order given, so the identity column keeps arrival order.
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var unique = files.Where(f => seen.Add(f.File)).ToList();
        if (unique.Count == 0)
        {
            return [];
        }
        await EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
        var inserted = new HashSet<string>(StringComparer.Ordinal);
        try
        {
            await _db.RetryOnDeadConnectionAsync(async () =>
            {
                // A server ending the connection rolled the insert back, so running it again adds nothing twice.
                inserted.Clear();
                await using var command = Command($"""
                    INSERT INTO {_files} (table_id, file, size_bytes, received_ticks)
                    SELECT $1, f.file, f.size, f.ticks
                    FROM unnest($2::text[], $3::bigint[], $4::bigint[]) WITH ORDINALITY AS f(file, size, ticks, n)
                    ORDER BY f.n
                    ON CONFLICT (table_id, file) WHERE job_id IS NULL DO NOTHING
                    RETURNING file
                    """, tableId, unique.Select(f => f.File).ToArray(), unique.Select(f => f.FileSizeBytes).ToArray(), unique.Select(f => Ticks(f.ReceivedTime)).ToArray());
                await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    inserted.Add(reader.GetString(0));
                }
                return inserted.Count;
            }, repeatable: false).ConfigureAwait(false);
        }
        catch (Exception e) when (e is NpgsqlException or IOException or TimeoutException)
        {
            throw _db.Failure($"Adding {unique.Count} files to the ingest batcher for table {tableId}", e);
        }
        return unique.Where(f => inserted.Contains(f.File)).ToList();
    }

    public async Task<IReadOnlyList<FileIngestRequest>> GetPendingFilesAsync(string tableId, CancellationToken cancellationToken = default)
    {
        await EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await _db.RetryOnDeadConnectionAsync(async () =>
            {
                await using var command = Command(
                    $"SELECT file, size_bytes, received_ticks FROM {_files} WHERE table_id = $1 AND job_id IS NULL ORDER BY seq", tableId);
                await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                var pending = new List<FileIngestRequest>();
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    pending.Add(new FileIngestRequest(reader.GetString(0), reader.GetInt64(1), tableId, Time(reader.GetInt64(2))));
                }
                return (IReadOnlyList<FileIngestRequest>)pending;
            }, repeatable: true).ConfigureAwait(false);
        }
        catch (Exception e) when (e is NpgsqlException or IOException or TimeoutException)
        {
            throw _db.Failure($"Reading the ingest batcher's pending files of table {tableId}", e);
        }
    }

    public async Task<IReadOnlyList<IngestBatcherJob>> GetJobsAsync(string tableId, CancellationToken cancellationToken = default)
    {
        await EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await _db.RetryOnDeadConnectionAsync(async () =>
            {
                await using var command = Command($"""
                    SELECT j.job_id, j.queue, j.created_ticks, j.sent_ticks, f.file, f.size_bytes, f.received_ticks
                    FROM {_jobs} j JOIN {_files} f ON f.table_id = j.table_id AND f.job_id = j.job_id
                    WHERE j.table_id = $1
                    ORDER BY j.seq, f.job_position
                    """, tableId);
                await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                var jobs = new List<IngestBatcherJob>();
                List<FileIngestRequest>? files = null;
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    var jobId = reader.GetString(0);
                    if (jobs.Count == 0 || jobs[^1].JobId != jobId)
                    {
                        files = [];
                        jobs.Add(new IngestBatcherJob(jobId, tableId, reader.GetString(1), files, Time(reader.GetInt64(2)),
                            reader.IsDBNull(3) ? null : Time(reader.GetInt64(3))));
                    }
                    files!.Add(new FileIngestRequest(reader.GetString(4), reader.GetInt64(5), tableId, Time(reader.GetInt64(6))));
                }
                return (IReadOnlyList<IngestBatcherJob>)jobs;
            }, repeatable: true).ConfigureAwait(false);
        }
        catch (Exception e) when (e is NpgsqlException or IOException or TimeoutException)
        {
            throw _db.Failure($"Reading the ingest batcher's jobs of table {tableId}", e);
        }
    }

    public async Task<bool> TryAssignJobsAsync(string tableId, IReadOnlyList<IngestBatcherJob> jobs, CancellationToken cancellationToken = default)
    {
        if (!WellFormed(tableId, jobs))
        {
            return false;
        }
        if (jobs.Count == 0)
        {
            return true;
        }
        var wanted = jobs.SelectMany(j => j.Files).ToDictionary(f => f.File, StringComparer.Ordinal);
        await EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using var connection = await _db.DataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);

            // Lock the pending rows in path order. A row another assigner took while this one waited for its lock
            // is no longer pending when re-checked, so it is missing here.
            var locked = 0;
            await using (var command = Command(connection, $"""
                SELECT file, size_bytes, received_ticks FROM {_files}
                WHERE table_id = $1 AND job_id IS NULL AND file = ANY($2::text[])
                ORDER BY file
                FOR UPDATE
                """, tableId, wanted.Keys.ToArray()))
            await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    var request = wanted[reader.GetString(0)];
                    if (request.FileSizeBytes != reader.GetInt64(1) || Ticks(request.ReceivedTime) != reader.GetInt64(2))
                    {
                        // Pending, but as another request than the caller planned with.
                        return false;
                    }
                    locked++;
                }
            }
            if (locked != wanted.Count)
            {
                return false;
            }

            await using (var command = Command(connection, $"""
                INSERT INTO {_jobs} (table_id, job_id, queue, created_ticks)
                SELECT $1, j.job_id, j.queue, j.created FROM unnest($2::text[], $3::text[], $4::bigint[]) WITH ORDINALITY AS j(job_id, queue, created, n)
                ORDER BY j.n
                ON CONFLICT (table_id, job_id) DO NOTHING
                """, tableId, jobs.Select(j => j.JobId).ToArray(), jobs.Select(j => j.Queue).ToArray(), jobs.Select(j => Ticks(j.CreatedTime)).ToArray()))
            {
                if (await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) != jobs.Count)
                {
                    // A job id already used.
                    return false;
                }
            }

            var assignments = jobs.SelectMany(j => j.Files.Select((f, i) => (j.JobId, f.File, Position: i))).ToList();
            await using (var command = Command(connection, $"""
                UPDATE {_files} AS f SET job_id = a.job_id, job_position = a.position
                FROM unnest($2::text[], $3::text[], $4::integer[]) AS a(file, job_id, position)
                WHERE f.table_id = $1 AND f.job_id IS NULL AND f.file = a.file
                """, tableId, assignments.Select(a => a.File).ToArray(), assignments.Select(a => a.JobId).ToArray(), assignments.Select(a => a.Position).ToArray()))
            {
                if (await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) != assignments.Count)
                {
                    return false;
                }
            }
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (Exception e) when (e is NpgsqlException or IOException or TimeoutException)
        {
            throw _db.Failure($"Assigning {jobs.Count} ingest batcher jobs of table {tableId}", e);
        }
    }

    public async Task MarkJobsSentAsync(string tableId, IReadOnlyList<string> jobIds, DateTimeOffset sentTime, CancellationToken cancellationToken = default)
    {
        if (jobIds.Count == 0)
        {
            return;
        }
        await EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // One statement, so one transaction: the jobs sent long ago go with their files. (Every data-modifying
            // WITH part runs, referenced or not; the jobs just marked are never old enough to be deleted by it.)
            await using var command = Command($"""
                WITH sent AS (UPDATE {_jobs} SET sent_ticks = $3 WHERE table_id = $1 AND job_id = ANY($2::text[]) AND sent_ticks IS NULL RETURNING job_id),
                     old AS (DELETE FROM {_jobs} WHERE table_id = $1 AND sent_ticks < $4 RETURNING job_id)
                DELETE FROM {_files} f USING old WHERE f.table_id = $1 AND f.job_id = old.job_id
                """, tableId, jobIds.ToArray(), Ticks(sentTime), Ticks(sentTime - KeepSentJobsFor));
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is NpgsqlException or IOException or TimeoutException)
        {
            throw _db.Failure($"Marking {jobIds.Count} ingest batcher jobs of table {tableId} as sent", e);
        }
    }

    /// <summary>The checks that need no database: the jobs are for this table, have files, new distinct ids, and no file twice.</summary>
    private static bool WellFormed(string tableId, IReadOnlyList<IngestBatcherJob> jobs)
    {
        var ids = new HashSet<string>(StringComparer.Ordinal);
        var files = new HashSet<string>(StringComparer.Ordinal);
        foreach (var job in jobs)
        {
            if (job.TableId != tableId || !ids.Add(job.JobId) || job.Files.Count == 0)
            {
                return false;
            }
            if (job.Files.Any(f => f.TableId != tableId || !files.Add(f.File)))
            {
                return false;
            }
        }
        return true;
    }

    private static long Ticks(DateTimeOffset time) => time.UtcTicks;

    private static DateTimeOffset Time(long ticks) => new(ticks, TimeSpan.Zero);

    private NpgsqlCommand Command(string sql, params object[] parameters)
    {
        var command = _db.DataSource.CreateCommand(sql);
        AddParameters(command, parameters);
        return command;
    }

    private static NpgsqlCommand Command(NpgsqlConnection connection, string sql, params object[] parameters)
    {
        var command = new NpgsqlCommand(sql, connection);
        AddParameters(command, parameters);
        return command;
    }

    private static void AddParameters(NpgsqlCommand command, object[] parameters)
    {
        foreach (var value in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = value });
        }
    }
}
