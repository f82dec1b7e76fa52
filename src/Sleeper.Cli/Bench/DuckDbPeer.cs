using DuckDB.NET.Data;

namespace Sleeper.Cli.Bench;

/// <summary>
/// The peer: an in-process DuckDB database in memory, opened fresh for each case so that one case's caches
/// and buffers neither help nor burden the next.
/// </summary>
public sealed class DuckDbPeer : IDisposable
{
    private readonly DuckDBConnection _connection;

    public DuckDbPeer(int threads)
    {
        _connection = new DuckDBConnection("DataSource=:memory:");
        _connection.Open();
        Execute($"SET threads TO {threads}");
        // Same conditions as ours: no progress output, no insertion-order bookkeeping beyond what SQL asks for.
        Execute("SET enable_progress_bar = false");
    }

    public static string Version()
    {
        using var peer = new DuckDbPeer(1);
        using var command = peer._connection.CreateCommand();
        command.CommandText = "SELECT version()";
        return command.ExecuteScalar()?.ToString() ?? "unknown";
    }

    public long Execute(string sql)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteNonQuery();
    }

    public object? Scalar(string sql)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }

    /// <summary>Runs a query and steps through every row of its result, converting only the first row's key.</summary>
    public (long Rows, string? FirstKey) StepThrough(string sql)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = sql;
        using var reader = command.ExecuteReader();
        long rows = 0;
        string? first = null;
        while (reader.Read())
        {
            if (rows == 0)
            {
                first = reader.GetString(0);
            }
            rows++;
        }
        return (rows, first);
    }

    /// <summary>A prepared statement with one positional parameter, set through <c>Parameters[0].Value</c>.</summary>
    public DuckDBCommand Prepare(string sql)
    {
        var command = _connection.CreateCommand();
        command.CommandText = sql;
        command.Parameters.Add(new DuckDBParameter(string.Empty));
        command.Prepare();
        return command;
    }

    /// <summary>
    /// The peer's exact-key lookup over the files, as a prepared <c>SELECT * … WHERE key = ?</c>: each call
    /// steps through the rows of one key and returns how many there were. Dispose the command when done.
    /// </summary>
    public (DuckDBCommand Command, Func<string, long> Lookup) PrepareKeyLookup(IEnumerable<string> files)
    {
        var command = Prepare($"SELECT * FROM read_parquet({FileList(files)}) WHERE key = ?");
        long Lookup(string key)
        {
            command.Parameters[0].Value = key;
            using var reader = command.ExecuteReader();
            long rows = 0;
            while (reader.Read())
            {
                rows++;
            }
            return rows;
        }
        return (command, Lookup);
    }

    public void Dispose() => _connection.Dispose();

    /// <summary>A SQL string literal (single quotes doubled).</summary>
    public static string Literal(string value) => "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'";

    /// <summary>A SQL list of file paths for read_parquet.</summary>
    public static string FileList(IEnumerable<string> paths) => "[" + string.Join(", ", paths.Select(Literal)) + "]";
}
