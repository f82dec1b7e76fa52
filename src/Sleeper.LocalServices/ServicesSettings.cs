namespace Sleeper.LocalServices;

/// <summary>
/// What a client needs to reach the running services: the environment variables that
/// <c>sleeper services start --format env</c> prints and the tests read, in a fixed order.
/// </summary>
public sealed record ServicesSettings(int S3Port, int PostgresPort)
{
    /// <summary>s3rver accepts exactly this access key and secret; they guard nothing, the server listens on loopback only.</summary>
    public const string S3Credential = "S3RVER";

    public Uri S3Endpoint => new($"http://127.0.0.1:{S3Port}");

    public string PostgresUrl => $"postgresql://postgres@127.0.0.1:{PostgresPort}/postgres";

    public IReadOnlyList<KeyValuePair<string, string>> Variables =>
    [
        new("SLEEPER_S3_ENDPOINT", $"http://127.0.0.1:{S3Port}"),
        new("SLEEPER_POSTGRES", PostgresUrl),
        new("AWS_ACCESS_KEY_ID", S3Credential),
        new("AWS_SECRET_ACCESS_KEY", S3Credential),
        new("AWS_REGION", "us-east-1"),
    ];
}
