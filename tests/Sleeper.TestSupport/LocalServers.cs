using Sleeper.Core;

namespace Sleeper.TestSupport;

/// <summary>
/// The real servers a test of the distributed mode runs against, as <c>./test.sh</c> provides them: it starts them with
/// <c>sleeper services start --format env</c> and exports what that prints. A test that needs a server and finds none
/// fails with a message saying how to get one; it never skips.
/// </summary>
public static class LocalServers
{
    public const string S3EndpointVariable = "SLEEPER_S3_ENDPOINT";
    public const string PostgresVariable = "SLEEPER_POSTGRES";

    private const string Hint = "run ./test.sh, or start the servers with: set -a; eval \"$(./sleeper services start --format env)\"; set +a";

    /// <summary>The S3-compatible server's endpoint (s3rver; credentials in AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY).</summary>
    public static Uri S3Endpoint
    {
        get
        {
            var value = Required(S3EndpointVariable);
            return Uri.TryCreate(value, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"
                ? uri
                : throw new SleeperException($"{S3EndpointVariable}='{value}' is not an http(s) URL; {Hint}.");
        }
    }

    /// <summary>The PostgreSQL server as the CLI takes it: <c>postgresql://USER@HOST:PORT/DB</c>.</summary>
    public static string PostgresUrl
    {
        get
        {
            var url = Required(PostgresVariable);
            ToConnectionString(url);
            return url;
        }
    }

    /// <summary>The PostgreSQL server in Npgsql's form, e.g. <c>Host=127.0.0.1;Port=5432;Username=postgres;Database=postgres</c>.</summary>
    public static string PostgresConnectionString => ToConnectionString(Required(PostgresVariable));

    /// <summary>Turns <c>postgresql://USER[:PASSWORD]@HOST[:PORT][/DB]</c> into Npgsql's key=value form.</summary>
    public static string ToConnectionString(string url)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("postgresql" or "postgres") || uri.Host.Length == 0)
        {
            throw new SleeperException($"{PostgresVariable}='{url}' is not a postgresql://USER@HOST:PORT/DB URL; {Hint}.");
        }
        var user = uri.UserInfo.Split(':', 2);
        var parts = new List<string>
        {
            $"Host={uri.Host}",
            $"Port={(uri.IsDefaultPort || uri.Port < 0 ? 5432 : uri.Port)}",
            $"Username={(user[0].Length > 0 ? Uri.UnescapeDataString(user[0]) : "postgres")}",
        };
        if (user.Length == 2)
        {
            parts.Add($"Password={Uri.UnescapeDataString(user[1])}");
        }
        var database = uri.AbsolutePath.Trim('/');
        parts.Add($"Database={(database.Length > 0 ? Uri.UnescapeDataString(database) : "postgres")}");
        return string.Join(';', parts);
    }

    private static string Required(string variable) =>
        Environment.GetEnvironmentVariable(variable) is { Length: > 0 } value
            ? value
            : throw new SleeperException($"{variable} is not set, so this test has no server to run against; {Hint}.");
}
