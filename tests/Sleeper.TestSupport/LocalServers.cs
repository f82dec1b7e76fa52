namespace Sleeper.TestSupport;

/// <summary>
/// Where the tests' real servers are, as <c>sleeper services start --format env</c> prints them. A test that needs
/// a server and finds none fails with a message saying how to start them; it never skips.
/// </summary>
public static class LocalServers
{
    private const string HowToStart = "run ./test.sh or eval $(./sleeper services start --format env)";

    /// <summary>The S3-compatible server, from <c>SLEEPER_S3_ENDPOINT</c>.</summary>
    public static Uri S3Endpoint => new(Required("SLEEPER_S3_ENDPOINT"));

    /// <summary>PostgreSQL in Npgsql's connection string form, built from the URI in <c>SLEEPER_POSTGRES</c>.</summary>
    public static string PostgresConnectionString
    {
        get
        {
            var value = Required("SLEEPER_POSTGRES");
            if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || (uri.Scheme != "postgresql" && uri.Scheme != "postgres"))
            {
                throw new InvalidOperationException($"SLEEPER_POSTGRES should be a URI such as postgresql://postgres@127.0.0.1:5432/postgres; {HowToStart}.");
            }
            var parts = new List<string> { $"Host={uri.Host}", $"Port={(uri.Port > 0 ? uri.Port : 5432)}" };
            var database = Uri.UnescapeDataString(uri.AbsolutePath.TrimStart('/'));
            if (database.Length > 0)
            {
                parts.Add($"Database={database}");
            }
            if (uri.UserInfo.Length > 0)
            {
                var colon = uri.UserInfo.IndexOf(':');
                parts.Add($"Username={Uri.UnescapeDataString(colon < 0 ? uri.UserInfo : uri.UserInfo[..colon])}");
                if (colon >= 0)
                {
                    parts.Add($"Password={Uri.UnescapeDataString(uri.UserInfo[(colon + 1)..])}");
                }
            }
            return string.Join(';', parts);
        }
    }

    private static string Required(string name) =>
        Environment.GetEnvironmentVariable(name) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException($"{name} is not set, so the tests cannot reach their server: {HowToStart}.");
}
