namespace Sleeper.Postgres.Tests;

/// <summary>
/// A fresh schema in the test server's database for one test class instance, dropped on dispose, so tests never
/// see each other's rows. The server comes from <c>SLEEPER_POSTGRES</c>; without it the test fails.
/// </summary>
public sealed class TestSchema : IAsyncDisposable
{
    public TestSchema(string? connectionString = null)
    {
        Name = "test_" + Guid.NewGuid().ToString("N");
        ConnectionString = connectionString ?? LocalServers.PostgresConnectionString;
        Database = new PostgresDatabase(ConnectionString, Name);
    }

    public string Name { get; }

    public string ConnectionString { get; }

    public PostgresDatabase Database { get; }

    public async ValueTask DisposeAsync()
    {
        // Through a direct connection, in case the test's own went through a proxy it has cut.
        await using var direct = new PostgresDatabase(LocalServers.PostgresConnectionString, Name);
        await direct.DropSchemaAsync();
        await Database.DisposeAsync();
    }
}
