using Npgsql;
using Sleeper.Core.Jobs;

namespace Sleeper.Postgres;

/// <summary>
/// A job queue as rows of one PostgreSQL table shared by every queue of the instance, with the semantics of
/// the embedded <c>FileJobQueue</c> and of SQS: at-least-once delivery, a visibility timeout, receive counts,
/// and a dead-letter state after too many receipts.
/// </summary>
/// <remarks>
/// <para>
/// Each message row holds its state, its receive count, the receipt of its current holder and when it becomes
/// visible again. A receive is one statement that picks the oldest visible row with
/// <c>FOR UPDATE SKIP LOCKED</c> and updates it in place: two receivers never lock the same row, and a receiver
/// that finds a row locked moves on to the next instead of waiting, so consumers do not queue behind each other.
/// </para>
/// <para>
/// Every receipt gets a new receipt handle, and deleting, releasing and extending a message match on it. A holder
/// whose timeout passed and whose message went to someone else holds a stale handle and changes nothing; a holder
/// whose timeout passed unnoticed, with nobody receiving the message since, still holds it.
/// </para>
/// <para>
/// Dead-lettering is part of the receive, as on SQS: the statement that picks a visible message already received
/// <see cref="MaxReceiveCount"/> times marks it dead instead, and the receiver moves on to the next. Nobody is told;
/// the owner of the queue finds it with <see cref="GetDeadLettersAsync"/> (see <c>DeadLetterSweep</c>). The move is
/// that one statement, so no receiver can die half-way through it.
/// </para>
/// <para>
/// Times come from the <see cref="TimeProvider"/> given (the clock of the process, as in the file queue), so the
/// machines sharing a queue need clocks in step to well within a visibility timeout.
/// </para>
/// </remarks>
public sealed class PostgresJobQueue : IListableJobQueue
{
    public const int DefaultMaxReceiveCount = 3;

    /// <summary>The table of the instance's schema that holds every queue's messages.</summary>
    public const string TableName = "job_queue_messages";

    private readonly PostgresDatabase _db;
    private readonly string _table;
    private readonly TimeProvider _time;

    public PostgresJobQueue(PostgresDatabase database, string name, int maxReceiveCount = DefaultMaxReceiveCount, TimeProvider? timeProvider = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxReceiveCount, 1);
        _db = database;
        _table = database.Table(TableName);
        _time = timeProvider ?? TimeProvider.System;
        Name = name;
        MaxReceiveCount = maxReceiveCount;
    }

    public string Name { get; }

    public int MaxReceiveCount { get; }

    /// <summary>Creates the queues' table if it does not exist (done on first use anyway).</summary>
    public Task EnsureCreatedAsync(CancellationToken cancellationToken = default) =>
        _db.EnsureCreatedAsync(TableName, $"""
            CREATE TABLE IF NOT EXISTS {_table} (
                queue text NOT NULL,
                message_id text NOT NULL,
                seq bigint GENERATED ALWAYS AS IDENTITY,
                body text NOT NULL,
                sent_time timestamptz NOT NULL,
                state text NOT NULL,
                receive_count integer NOT NULL,
                receipt text NULL,
                visible_at timestamptz NOT NULL,
                PRIMARY KEY (queue, message_id),
                CHECK (state IN ('waiting', 'received', 'dead')));
            CREATE INDEX IF NOT EXISTS "{TableName}_next" ON {_table} (queue, seq) WHERE state <> 'dead';
            """, cancellationToken);

    public async Task<string> SendAsync(string body, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(body);
        var sentTime = _time.GetUtcNow();
        var id = Guid.CreateVersion7(sentTime).ToString("N");
        await ExecuteAsync($"Sending a message to queue '{Name}'",
            $"INSERT INTO {_table} (queue, message_id, body, sent_time, state, receive_count, visible_at) VALUES ($1, $2, $3, $4, 'waiting', 0, $4)",
            [Name, id, body, sentTime], cancellationToken).ConfigureAwait(false);
        return id;
    }

    public async Task<QueuedMessage?> ReceiveAsync(TimeSpan visibilityTimeout, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(visibilityTimeout, TimeSpan.Zero);
        await EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
        while (true)
        {
            var now = _time.GetUtcNow();
            var receipt = Guid.NewGuid().ToString("N");
            // A message already received MaxReceiveCount times goes to the dead letters (its count unchanged); any
            // other is received once more.
            var taken = await QueryOneAsync($"Receiving from queue '{Name}'", $"""
                WITH next AS (
                    SELECT message_id FROM {_table}
                    WHERE queue = $1 AND state <> 'dead' AND visible_at <= $2
                    ORDER BY seq
                    LIMIT 1
                    FOR UPDATE SKIP LOCKED)
                UPDATE {_table} AS m SET
                    state = CASE WHEN m.receive_count >= $3 THEN 'dead' ELSE 'received' END,
                    receive_count = CASE WHEN m.receive_count >= $3 THEN m.receive_count ELSE m.receive_count + 1 END,
                    visible_at = $4,
                    receipt = CASE WHEN m.receive_count >= $3 THEN NULL ELSE $5 END
                FROM next
                WHERE m.queue = $1 AND m.message_id = next.message_id
                RETURNING m.message_id, m.body, m.receive_count, m.sent_time, m.state
                """, [Name, now, MaxReceiveCount, now + visibilityTimeout, receipt],
                r => (Message: new QueuedMessage(r.GetString(0), r.GetString(1), r.GetInt32(2), receipt, r.GetFieldValue<DateTimeOffset>(3)), State: r.GetString(4)),
                cancellationToken).ConfigureAwait(false);
            if (taken is not { } t)
            {
                return null;
            }
            if (t.State == "received")
            {
                return t.Message;
            }
        }
    }

    public async Task<bool> DeleteAsync(QueuedMessage message, CancellationToken cancellationToken = default) =>
        await ExecuteAsync($"Deleting message {message.MessageId} of queue '{Name}'",
            $"DELETE FROM {_table} WHERE queue = $1 AND message_id = $2 AND state = 'received' AND receipt = $3",
            [Name, message.MessageId, message.ReceiptHandle], cancellationToken).ConfigureAwait(false) == 1;

    public async Task ReleaseAsync(QueuedMessage message, CancellationToken cancellationToken = default) =>
        await ExecuteAsync($"Releasing message {message.MessageId} of queue '{Name}'",
            $"UPDATE {_table} SET state = 'waiting', receipt = NULL, visible_at = $4 WHERE queue = $1 AND message_id = $2 AND state = 'received' AND receipt = $3",
            [Name, message.MessageId, message.ReceiptHandle, _time.GetUtcNow()], cancellationToken).ConfigureAwait(false);

    public async Task<bool> ExtendVisibilityAsync(QueuedMessage message, TimeSpan visibilityTimeout, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(visibilityTimeout, TimeSpan.Zero);
        return await ExecuteAsync($"Extending the visibility of message {message.MessageId} of queue '{Name}'",
            $"UPDATE {_table} SET visible_at = $4 WHERE queue = $1 AND message_id = $2 AND state = 'received' AND receipt = $3",
            [Name, message.MessageId, message.ReceiptHandle, _time.GetUtcNow() + visibilityTimeout], cancellationToken).ConfigureAwait(false) == 1;
    }

    public async Task<IReadOnlyList<QueuedMessage>> GetDeadLettersAsync(CancellationToken cancellationToken = default) =>
        await QueryAsync($"Listing the dead letters of queue '{Name}'",
            $"SELECT message_id, body, receive_count, sent_time FROM {_table} WHERE queue = $1 AND state = 'dead' ORDER BY seq",
            [Name], r => new QueuedMessage(r.GetString(0), r.GetString(1), r.GetInt32(2), "", r.GetFieldValue<DateTimeOffset>(3)),
            cancellationToken).ConfigureAwait(false);

    public async Task<QueueDepth> GetDepthAsync(CancellationToken cancellationToken = default) =>
        (await QueryAsync($"Counting the messages of queue '{Name}'", $"""
            SELECT count(*) FILTER (WHERE state <> 'dead' AND visible_at <= $2),
                   count(*) FILTER (WHERE state <> 'dead' AND visible_at > $2),
                   count(*) FILTER (WHERE state = 'dead')
            FROM {_table} WHERE queue = $1
            """, [Name, _time.GetUtcNow()], r => new QueueDepth((int)r.GetInt64(0), (int)r.GetInt64(1), (int)r.GetInt64(2)),
            cancellationToken).ConfigureAwait(false))[0];

    public async Task<IReadOnlyList<string>> ListBodiesAsync(CancellationToken cancellationToken = default) =>
        await QueryAsync($"Listing the messages of queue '{Name}'",
            $"SELECT body FROM {_table} WHERE queue = $1 AND state <> 'dead' ORDER BY seq",
            [Name], r => r.GetString(0), cancellationToken).ConfigureAwait(false);

    /// <remarks>One statement takes the letter out of the dead letters and inserts the new message, so it happens whole or not at all.</remarks>
    public async Task<string?> RedriveAsync(string messageId, string? body = null, CancellationToken cancellationToken = default)
    {
        var now = _time.GetUtcNow();
        var id = Guid.CreateVersion7(now).ToString("N");
        var newBody = body is null ? "old.body" : "$5";
        var rows = await QueryAsync($"Redriving dead letter {messageId} of queue '{Name}'", $"""
            WITH old AS (DELETE FROM {_table} WHERE queue = $1 AND message_id = $2 AND state = 'dead' RETURNING body)
            INSERT INTO {_table} (queue, message_id, body, sent_time, state, receive_count, visible_at)
            SELECT $1, $3, {newBody}, $4, 'waiting', 0, $4 FROM old
            RETURNING message_id
            """, body is null ? [Name, messageId, id, now] : [Name, messageId, id, now, body], r => r.GetString(0), cancellationToken).ConfigureAwait(false);
        return rows.Count == 0 ? null : rows[0];
    }

    private async Task<int> ExecuteAsync(string what, string sql, object[] parameters, CancellationToken cancellationToken)
    {
        await EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await _db.RetryOnDeadConnectionAsync(async () =>
            {
                await using var command = Command(sql, parameters);
                return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }, repeatable: false).ConfigureAwait(false);
        }
        catch (Exception e) when (e is NpgsqlException or IOException or TimeoutException)
        {
            throw _db.Failure(what, e);
        }
    }

    private async Task<T?> QueryOneAsync<T>(string what, string sql, object[] parameters, Func<NpgsqlDataReader, T> read, CancellationToken cancellationToken)
        where T : struct
    {
        var rows = await QueryAsync(what, sql, parameters, read, cancellationToken).ConfigureAwait(false);
        return rows.Count == 0 ? null : rows[0];
    }

    private async Task<List<T>> QueryAsync<T>(string what, string sql, object[] parameters, Func<NpgsqlDataReader, T> read, CancellationToken cancellationToken)
    {
        await EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // A plain SELECT may run twice; a receive (an UPDATE … RETURNING) only when the server ended the connection.
            return await _db.RetryOnDeadConnectionAsync(async () =>
            {
                await using var command = Command(sql, parameters);
                await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                var rows = new List<T>();
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    rows.Add(read(reader));
                }
                return rows;
            }, repeatable: sql.TrimStart().StartsWith("SELECT", StringComparison.OrdinalIgnoreCase)).ConfigureAwait(false);
        }
        catch (Exception e) when (e is NpgsqlException or IOException or TimeoutException)
        {
            throw _db.Failure(what, e);
        }
    }

    private NpgsqlCommand Command(string sql, object[] parameters)
    {
        var command = _db.DataSource.CreateCommand(sql);
        foreach (var value in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = value is DateTimeOffset t ? t.ToUniversalTime() : value });
        }
        return command;
    }
}
