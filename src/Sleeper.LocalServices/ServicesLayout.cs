namespace Sleeper.LocalServices;

/// <summary>
/// Where the local services keep their state (process ids, ports, data) and where the npm packages are cached.
/// </summary>
/// <param name="Home">The services' own folder: the state file, the lock, and each server's data and log.</param>
/// <param name="NpmPrefix">The folder npm installs s3rver into, shared by every home, so it is installed once.</param>
public sealed record ServicesLayout(string Home, string NpmPrefix)
{
    /// <summary>The environment variable that moves <see cref="Home"/>, so a test run can keep its servers apart from a developer's.</summary>
    public const string HomeVariable = "SLEEPER_SERVICES_HOME";

    public string StateFile => Path.Combine(Home, "state.json");

    public string LockFile => Path.Combine(Home, ".lock");

    public string PostgresFolder => Path.Combine(Home, "postgres");

    public string S3Folder => Path.Combine(Home, "s3");

    /// <summary>
    /// The default layout: <c>$SLEEPER_SERVICES_HOME</c>, else <c>.cache/services</c> in the repository; npm packages in
    /// the repository's <c>.cache/npm</c>. Outside a checkout (an installed tool) both go under the user's cache folder.
    /// </summary>
    public static ServicesLayout FromEnvironment()
    {
        var cache = RepositoryCache() ?? UserCache();
        var home = Environment.GetEnvironmentVariable(HomeVariable) is { Length: > 0 } given
            ? Path.GetFullPath(given)
            : Path.Combine(cache, "services");
        return new ServicesLayout(home, Path.Combine(cache, "npm"));
    }

    /// <summary>
    /// The <c>.cache</c> folder of the checkout this program runs from (<c>./sleeper</c> runs it from
    /// <c>.cache/cli</c>, tests from their <c>bin</c> folder), else of the checkout around the current folder.
    /// </summary>
    private static string? RepositoryCache()
    {
        foreach (var start in new[] { AppContext.BaseDirectory, Environment.CurrentDirectory })
        {
            for (var dir = start; dir is not null; dir = Path.GetDirectoryName(dir))
            {
                if (File.Exists(Path.Combine(dir, "Sleeper.slnx")))
                {
                    return Path.Combine(dir, ".cache");
                }
            }
        }
        return null;
    }

    private static string UserCache() =>
        Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } xdg
            ? Path.Combine(xdg, "sleeper")
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "sleeper");
}
