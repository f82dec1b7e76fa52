namespace Sleeper.TestSupport;

/// <summary>
/// Where the tests find the local servers: the environment that <c>./sleeper services start --format env</c>
/// prints (the test script exports it). A test that needs a server and finds none fails, never skips.
/// </summary>
/// <remarks>A minimal copy kept on the s3 branch until the services helper's version is merged; same surface.</remarks>
public static class LocalServers
{
    private const string Hint = "run ./test.sh or eval $(./sleeper services start --format env)";

    /// <summary>The S3-compatible server, from <c>SLEEPER_S3_ENDPOINT</c>.</summary>
    public static Uri S3Endpoint =>
        Environment.GetEnvironmentVariable("SLEEPER_S3_ENDPOINT") is { Length: > 0 } value
            ? new Uri(value)
            : throw new InvalidOperationException($"SLEEPER_S3_ENDPOINT is not set, so the tests have no S3 server: {Hint}.");

    /// <summary>The PostgreSQL server, in Npgsql's form, from <c>SLEEPER_POSTGRES</c> (<c>postgresql://user@host:port/db</c>).</summary>
    public static string PostgresConnectionString
    {
        get
        {
            var value = Environment.GetEnvironmentVariable("SLEEPER_POSTGRES");
            if (string.IsNullOrEmpty(value))
            {
                throw new InvalidOperationException($"SLEEPER_POSTGRES is not set, so the tests have no PostgreSQL server: {Hint}.");
            }
            var uri = new Uri(value);
            var user = uri.UserInfo.Split(':')[0];
            var database = uri.AbsolutePath.Trim('/');
            return $"Host={uri.Host};Port={uri.Port};Username={(user.Length == 0 ? "postgres" : user)};Database={(database.Length == 0 ? "postgres" : database)}";
        }
    }
}
