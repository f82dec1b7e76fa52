using Sleeper.Core.Properties;
using Sleeper.Postgres;

namespace Sleeper.Client.Tests;

/// <summary>
/// The client against an instance on services: its data in a bucket of the S3 server and its state, queues,
/// trackers, batcher store and table index in PostgreSQL, both from the environment (<see cref="LocalServers"/>).
/// </summary>
public sealed class ServicesClientTest : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task Every_operation_of_the_client_works_on_an_instance_in_S3_and_PostgreSQL()
    {
        var location = $"s3://client-{Guid.NewGuid().ToString("N")[..12]}/instance";
        var client = await SleeperClient.CreateInstanceAsync(location, LocalServers.PostgresUrl, LocalServers.S3Endpoint);
        var id = client.Instance.Properties.Get(InstanceProperty.Id);
        try
        {
            await client.DisposeAsync();
            // Opened again from its location alone, as another program would.
            client = await SleeperClient.OpenAsync(location);
            Assert.Contains("postgresql", client.Instance.Description);
            var inputs = _temp.Combine("inputs");
            Directory.CreateDirectory(inputs);
            // Fewer queries than embedded: each reads its files from the S3 server, at a few hundred milliseconds a query today.
            await ClientScenario.RunAsync(client, inputs, queries: 16);
        }
        finally
        {
            await client.DisposeAsync();
            await using var database = new PostgresDatabase(LocalServers.PostgresUrl, $"sleeper_{id}");
            await database.DropSchemaAsync();
        }
    }
}
