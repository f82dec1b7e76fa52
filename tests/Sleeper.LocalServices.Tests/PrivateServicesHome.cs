namespace Sleeper.LocalServices.Tests;

/// <summary>
/// A services home of the test's own, so its servers never meet the ones ./test.sh started for the other tests; s3rver
/// comes from the checkout's shared npm folder. Dispose stops whatever still runs and deletes the folder.
/// </summary>
/// <remarks>
/// Not <see cref="TempFolder"/>: that folder is closed to other users (0700), and as root PostgreSQL runs as the
/// postgres user, which must be able to reach its data folder inside.
/// </remarks>
public sealed class PrivateServicesHome : IAsyncDisposable
{
    public PrivateServicesHome()
    {
        Directory.CreateDirectory(Home);
        Layout = ServicesLayout.FromEnvironment() with { Home = Home };
        Manager = new ServiceManager(Layout);
    }

    public string Home { get; } = Path.Combine(Path.GetTempPath(), "sleeper-services-test-" + Guid.NewGuid().ToString("N")[..8]);

    public ServicesLayout Layout { get; }

    public ServiceManager Manager { get; }

    public async ValueTask DisposeAsync()
    {
        await Manager.StopAsync();
        try
        {
            Directory.Delete(Home, recursive: true);
        }
        catch (IOException)
        {
            // A server that was just stopped may still be closing a file; a leftover temp folder harms nothing.
        }
    }
}
