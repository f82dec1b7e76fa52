using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using Npgsql;
using Sleeper.Core;

namespace Sleeper.Postgres;

/// <summary>
/// One instance's place in a PostgreSQL database: a pool of connections and the schema that holds the instance's
/// tables. Several instances can share a database, each in its own schema; every adapter of this project takes
/// one of these and creates the tables it needs in that schema, idempotently, on first use.
/// </summary>
public sealed partial class PostgresDatabase : IAsyncDisposable
{
    /// <summary>The schema used when an instance names none.</summary>
    public const string DefaultSchema = "sleeper";

    private readonly ConcurrentDictionary<string, Lazy<Task>> _created = new(StringComparer.Ordinal);

    /// <param name="connectionString">An Npgsql connection string, or a <c>postgresql://user@host:port/database</c> URI.</param>
    /// <param name="schema">The schema holding this instance's tables: lower-case letters, digits and '_', starting with a letter or '_'.</param>
    public PostgresDatabase(string connectionString, string schema = DefaultSchema)
    {
        if (!SchemaName().IsMatch(schema))
        {
            throw new SleeperException($"'{schema}' is not a usable PostgreSQL schema name for an instance: use up to 63 lower-case letters, digits and '_', starting with a letter or '_'.");
        }
        var builder = new NpgsqlConnectionStringBuilder(ToNpgsqlConnectionString(connectionString));
        if (builder.Timeout == DriverDefaultConnectTimeoutSeconds)
        {
            // Npgsql waits 15 s for a connection; a server that is down or unreachable should be reported sooner.
            builder.Timeout = DefaultConnectTimeoutSeconds;
        }
        Schema = schema;
        Endpoint = $"{builder.Host}:{builder.Port}";
        // For messages: where the database is, never who connects or with what password.
        Location = $"postgresql://{builder.Host}:{builder.Port}/{builder.Database ?? builder.Username ?? "postgres"} (schema {schema})";
        DataSource = NpgsqlDataSource.Create(builder);
    }

    /// <summary>Seconds to wait for a connection when the connection string sets no other timeout.</summary>
    public const int DefaultConnectTimeoutSeconds = 5;

    private const int DriverDefaultConnectTimeoutSeconds = 15;

    public string Schema { get; }

    /// <summary>host:port of the server, for messages.</summary>
    public string Endpoint { get; }

    /// <summary>Where the tables live, for messages: host, port, database and schema, with no credentials.</summary>
    public string Location { get; }

    internal NpgsqlDataSource DataSource { get; }

    /// <summary>The schema-qualified, quoted name of one of the instance's tables.</summary>
    internal string Table(string name) => $"\"{Schema}\".\"{name}\"";

    /// <summary>
    /// Turns a <c>postgresql://</c> (or <c>postgres://</c>) URI, the form the CLI and <c>SLEEPER_POSTGRES</c>
    /// use, into an Npgsql connection string; any other text is taken to be one already.
    /// </summary>
    public static string ToNpgsqlConnectionString(string connection)
    {
        if (!connection.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase)
            && !connection.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase))
        {
            return connection;
        }
        if (!Uri.TryCreate(connection, UriKind.Absolute, out var uri) || uri.Host.Length == 0)
        {
            throw new SleeperException($"'{Redact(connection)}' is not a PostgreSQL URI of the form postgresql://user@host:port/database.");
        }
        var builder = new NpgsqlConnectionStringBuilder
        {
            Host = uri.Host,
            Port = uri.IsDefaultPort || uri.Port <= 0 ? 5432 : uri.Port,
        };
        var database = Uri.UnescapeDataString(uri.AbsolutePath.TrimStart('/'));
        if (database.Length > 0)
        {
            builder.Database = database;
        }
        if (uri.UserInfo.Length > 0)
        {
            var colon = uri.UserInfo.IndexOf(':');
            builder.Username = Uri.UnescapeDataString(colon < 0 ? uri.UserInfo : uri.UserInfo[..colon]);
            if (colon >= 0)
            {
                builder.Password = Uri.UnescapeDataString(uri.UserInfo[(colon + 1)..]);
            }
        }
        foreach (var pair in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = pair.IndexOf('=');
            if (eq > 0)
            {
                builder[Uri.UnescapeDataString(pair[..eq])] = Uri.UnescapeDataString(pair[(eq + 1)..]);
            }
        }
        return builder.ConnectionString;
    }

    /// <summary>
    /// Runs <paramref name="ddl"/> (CREATE … IF NOT EXISTS statements) once for this object, after creating the
    /// schema. Processes starting together all run it: PostgreSQL's IF NOT EXISTS is not safe against a
    /// concurrent create of the same table (one of them fails on the catalogue's unique index), so the DDL runs
    /// under a transaction-scoped advisory lock on the schema.
    /// </summary>
    internal async Task EnsureCreatedAsync(string key, string ddl, CancellationToken cancellationToken)
    {
        var lazy = _created.GetOrAdd(key, _ => new Lazy<Task>(() => CreateAsync(ddl)));
        try
        {
            await lazy.Value.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception) when (!cancellationToken.IsCancellationRequested)
        {
            // Not cached as failed: the next call tries again (the server may be back).
            _created.TryRemove(new KeyValuePair<string, Lazy<Task>>(key, lazy));
            throw;
        }
    }

    private async Task CreateAsync(string ddl)
    {
        try
        {
            await using var connection = await DataSource.OpenConnectionAsync().ConfigureAwait(false);
            await using var transaction = await connection.BeginTransactionAsync().ConfigureAwait(false);
            await using (var command = new NpgsqlCommand("SELECT pg_advisory_xact_lock(hashtext(@schema))", connection, transaction))
            {
                command.Parameters.AddWithValue("schema", "sleeper-schema:" + Schema);
                await command.ExecuteNonQueryAsync().ConfigureAwait(false);
            }
            await using (var command = new NpgsqlCommand($"CREATE SCHEMA IF NOT EXISTS \"{Schema}\";\n{ddl}", connection, transaction))
            {
                await command.ExecuteNonQueryAsync().ConfigureAwait(false);
            }
            await transaction.CommitAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is NpgsqlException or IOException or TimeoutException)
        {
            throw Failure("Creating the instance's tables", e);
        }
    }

    /// <summary>Drops the schema and everything in it: for tests and for deleting an instance.</summary>
    public async Task DropSchemaAsync(CancellationToken cancellationToken = default)
    {
        await using var command = DataSource.CreateCommand($"DROP SCHEMA IF EXISTS \"{Schema}\" CASCADE");
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        _created.Clear();
    }

    /// <summary>
    /// Runs one statement (in its own implicit transaction, on a connection from the pool) and, when it failed only
    /// because its connection was dead, runs it once more on a new one. Connections idle in the pool die silently
    /// when the server stops or restarts, and Npgsql finds out only by using one: without this, the first call after
    /// a restart fails although the server is back.
    /// </summary>
    /// <remarks>
    /// The second try is safe when the server said it was ending the connection (57P01/57P02: the statement's
    /// transaction rolled back, nothing was done), or, for any broken connection, when
    /// <paramref name="repeatable"/> says running the statement twice does no harm (reads, idempotent deletes).
    /// Npgsql drops the pool's other connections once one breaks; the pool is cleared here too so the retry gets a
    /// new connection. A server that is really down fails the retry at once (connection refused).
    /// </remarks>
    internal async Task<T> RetryOnDeadConnectionAsync<T>(Func<Task<T>> statement, bool repeatable)
    {
        try
        {
            return await statement().ConfigureAwait(false);
        }
        catch (Exception e) when (IsServerEndingConnection(e) || (repeatable && IsConnectionBroken(e)))
        {
            DataSource.Clear();
            return await statement().ConfigureAwait(false);
        }
    }

    /// <summary>A command of this database with text parameters $1, $2, … in order.</summary>
    internal NpgsqlCommand Command(string sql, IReadOnlyList<string> textParameters)
    {
        var command = DataSource.CreateCommand(sql);
        foreach (var value in textParameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        }
        return command;
    }

    /// <summary>
    /// Runs one statement that changes rows (not repeated on a broken connection: it might have been done), turning
    /// a driver failure into an error that names <paramref name="what"/>.
    /// </summary>
    internal async Task ExecuteAsync(string what, string sql, IReadOnlyList<string> textParameters, CancellationToken cancellationToken)
    {
        try
        {
            await RetryOnDeadConnectionAsync(async () =>
            {
                await using var command = Command(sql, textParameters);
                return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }, repeatable: false).ConfigureAwait(false);
        }
        catch (Exception e) when (e is NpgsqlException or IOException or TimeoutException)
        {
            throw Failure(what, e);
        }
    }

    /// <summary>
    /// The JSON documents the query's first column holds, each read as a <typeparamref name="T"/>; a row that is not
    /// one is an error naming <paramref name="what"/>, as is a driver failure.
    /// </summary>
    internal async Task<IReadOnlyList<T>> ReadJsonAsync<T>(string what, string sql, IReadOnlyList<string> textParameters,
        System.Text.Json.JsonSerializerOptions options, CancellationToken cancellationToken)
    {
        List<string> bodies;
        try
        {
            bodies = await RetryOnDeadConnectionAsync(async () =>
            {
                var read = new List<string>();
                await using var command = Command(sql, textParameters);
                await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    read.Add(reader.GetString(0));
                }
                return read;
            }, repeatable: true).ConfigureAwait(false);
        }
        catch (Exception e) when (e is NpgsqlException or IOException or TimeoutException)
        {
            throw Failure(what, e);
        }
        var items = new List<T>(bodies.Count);
        foreach (var body in bodies)
        {
            try
            {
                items.Add(System.Text.Json.JsonSerializer.Deserialize<T>(body, options) ?? throw new System.Text.Json.JsonException("the row holds null"));
            }
            catch (System.Text.Json.JsonException e)
            {
                throw new PostgresStoreException($"{what} in {Location} found a row that is not a {typeof(T).Name}: {e.Message}", e);
            }
        }
        return items;
    }

    /// <summary>The server ended the connection with an error: whatever ran on it rolled back.</summary>
    internal static bool IsServerEndingConnection(Exception e) =>
        e is PostgresException { SqlState: PostgresErrorCodes.AdminShutdown or PostgresErrorCodes.CrashShutdown };

    /// <summary>The connection broke with no answer from the server (reset, end of stream).</summary>
    private static bool IsConnectionBroken(Exception e) =>
        e is NpgsqlException and not PostgresException && e.InnerException is IOException or System.Net.Sockets.SocketException;

    /// <summary>An error naming what failed and where, with the driver's error inside.</summary>
    internal SleeperException Failure(string what, Exception e) =>
        new PostgresStoreException($"{what} in {Location} failed: {e.Message.TrimEnd().TrimEnd('.')}.{Advice(e)}", e);

    /// <summary>
    /// What to check, from the kind of failure: the driver's own message says what happened but not what to do.
    /// Never repeats the connection string, which may hold a password.
    /// </summary>
    private string Advice(Exception e)
    {
        var postgres = e as PostgresException ?? e.InnerException as PostgresException;
        switch (postgres?.SqlState)
        {
            case PostgresErrorCodes.InvalidCatalogName:
                return $" Check the database name in the connection string: the server at {Endpoint} has no such database.";
            case PostgresErrorCodes.InvalidAuthorizationSpecification or PostgresErrorCodes.InvalidPassword:
                return $" Check the user name and password in the connection string for the server at {Endpoint}.";
            case PostgresErrorCodes.AdminShutdown or PostgresErrorCodes.CrashShutdown or PostgresErrorCodes.CannotConnectNow:
                return $" The server at {Endpoint} was shutting down or starting up: try again once it is running.";
            case PostgresErrorCodes.InsufficientPrivilege:
                return " Check that the user may create and use tables in this schema.";
            case not null:
                return "";
        }
        return e is NpgsqlException or IOException or TimeoutException || e.InnerException is System.Net.Sockets.SocketException or IOException or TimeoutException
            ? $" Check that a PostgreSQL server is running and reachable at {Endpoint} (for local development: sleeper services start)."
            : "";
    }

    public ValueTask DisposeAsync() => DataSource.DisposeAsync();

    private static string Redact(string uri)
    {
        var at = uri.IndexOf('@');
        var scheme = uri.IndexOf("://", StringComparison.Ordinal);
        return at > scheme && scheme >= 0 ? uri[..(scheme + 3)] + "…" + uri[at..] : uri;
    }

    [GeneratedRegex("^[a-z_][a-z0-9_]{0,62}$")]
    private static partial Regex SchemaName();
}

/// <summary>A PostgreSQL backend could not do what was asked: the message says what and where.</summary>
public sealed class PostgresStoreException(string message, Exception? inner = null) : SleeperException(message, inner);
